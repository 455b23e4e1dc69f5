# Installs the Debian packages of the baseline allocators when one is missing. The list comes
# from the built binary (`kmembench list --debian-packages`), the one place baselines are
# declared. The package lists are updated only when an install cannot find the packages; the
# first attempt's complaints are kept unless the second fails too.
# Sourced by scripts/test and scripts/bench, after the release build.
install_baselines() {
    local binary=$1
    local packages
    packages=$("$binary" list --debian-packages) || return 1
    local missing=()
    for package in $packages; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    ((${#missing[@]})) || return 0
    echo "installing ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    local first
    first=$(mktemp)
    if "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >"$first" 2>&1; then
        rm -f "$first"
        return 0
    fi
    if "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 \
        && "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; then
        rm -f "$first"
        return 0
    fi
    cat "$first" >&2
    rm -f "$first"
    return 1
}
