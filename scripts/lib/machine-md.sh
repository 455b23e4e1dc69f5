# Writes what the numbers ran on, beside them, as Markdown: the machine, the software, and what
# basic steps and the harness itself cost here (`kmembench inspect --costs`). A result set is
# one machine's. Sourced by scripts/bench and scripts/publish.
# Usage: write_machine_md BINARY NAME OUT_FILE
write_machine_md() {
    local binary=$1 name=$2 file=$3
    {
        echo "# Machine"
        echo
        echo "| | |"
        echo "|---|---|"
        echo "| host | $name |"
        echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') |"
        echo "| CPUs online | $(nproc) |"
        echo "| memory | $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) |"
        echo "| kernel | $(uname -r) |"
        echo "| OS | $(. /etc/os-release && echo "$PRETTY_NAME") |"
        echo "| Swift | $(swift --version 2>&1 | head -1) |"
        echo "| allocators | $(dpkg-query -W -f='${Package} ${Version}, ' libc6 libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 2>/dev/null | sed 's/, $//') |"
        echo "| git revision | ${KMEMBENCH_GIT_REV:-unknown} |"
        echo "| load average before the run | $(cut -d' ' -f1-3 /proc/loadavg) |"
        "$binary" inspect --costs
    } > "$file.tmp" && mv "$file.tmp" "$file"
}
