#!/usr/bin/env python3
"""Draws the figures of a kmembench report: `plot.py PLOTS.json OUT_DIR`.

`kmembench report` writes PLOTS.json (Sources/KMemHarness/Report/PlotSpec.swift): every
number is decided there, from the CSV; this script only lays the figures out and renders
each as OUT_DIR/FILE.png and OUT_DIR/FILE.svg, each written whole (temporary file, then
rename). matplotlib is installed with pip when it is missing.
"""
import json
import math
import os
import subprocess
import sys


def ensure_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot.py: matplotlib missing, installing it with pip", file=sys.stderr)
        install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if install.returncode != 0:
            sys.exit("plot.py: matplotlib is missing and `pip install matplotlib` failed: "
                     + install.stderr.strip()[-400:])
    import matplotlib
    matplotlib.use("Agg")
    # Reproducible SVGs: no random ids, no date; text kept as text so it stays searchable.
    matplotlib.rcParams.update({"svg.hashsalt": "kmembench", "svg.fonttype": "none",
                                "font.size": 9, "axes.titlesize": 9})


def colours(order):
    from matplotlib import colormaps
    palette = colormaps["tab10" if len(order) <= 10 else "tab20"].colors
    return {label: palette[index % len(palette)] for index, label in enumerate(order)}


def grid(count):
    columns = min(4, count)
    return columns, math.ceil(count / columns)


def draw_bars(axes, panel, colour):
    for index, series in enumerate(panel["series"]):
        value = series["y"][0]
        if value is None:
            continue
        low, high = series["low"][0], series["high"][0]
        error = None
        if low is not None and high is not None:
            error = [[max(0.0, value - low)], [max(0.0, high - value)]]
        axes.bar(index, value, color=colour[series["label"]], yerr=error, capsize=2,
                 error_kw={"elinewidth": 0.8}, label=series["label"])
    labels = [s["label"] for s in panel["series"]]
    axes.set_xticks(range(len(labels)))
    # Long labels (parameter settings) would cover the panel below: the legend's colours say
    # which bar is which, so the ticks stay bare.
    if max(map(len, labels)) <= 14:
        axes.set_xticklabels(labels, rotation=35, ha="right", fontsize=7)
    else:
        axes.set_xticklabels([])


def draw_lines(axes, panel, colour):
    for series in panel["series"]:
        points = [(x, y) for x, y in zip(series["x"], series["y"]) if y is not None]
        if not points:
            continue
        xs, ys = zip(*points)
        axes.plot(xs, ys, marker="o" if len(points) < 30 else None, markersize=3, linewidth=1.2,
                  color=colour[series["label"]], label=series["label"])


def draw_pareto(axes, panel, _colour):
    every, front = panel["series"]
    axes.scatter(every["x"], every["y"], color="0.65", s=18, label="setting", zorder=2)
    order = sorted(range(len(front["x"])), key=lambda i: front["x"][i])
    xs = [front["x"][i] for i in order]
    ys = [front["y"][i] for i in order]
    axes.plot(xs, ys, color="tab:red", marker="o", markersize=4, linewidth=1.2, label="Pareto front", zorder=3)
    # Labels alternate above and below the front, each tied to its point by a thin leader
    # line, so close settings stay readable and no label can be taken for its neighbour's;
    # labels of the right half's points go to their left so none runs off the panel.
    middle = (min(every["x"] + xs) + max(every["x"] + xs)) / 2 if xs else 0
    for rank, i in enumerate(order):
        right = front["x"][i] <= middle
        offset = (14 if right else -14, 16 if rank % 2 == 0 else -20)
        axes.annotate(front["pointLabels"][i], (front["x"][i], front["y"][i]), textcoords="offset points",
                      xytext=offset, ha="left" if right else "right", va="center", fontsize=6.5, color="tab:red",
                      arrowprops={"arrowstyle": "-", "color": "tab:red", "linewidth": 0.5, "shrinkB": 2})
    axes.margins(x=0.15)
    # Headroom for the labels of the highest points.
    axes.set_ylim(top=max(every["y"] + ys) * 1.18)


DRAW = {"bars": draw_bars, "lines": draw_lines, "pareto": draw_pareto}


def render(plot, colour, out_dir):
    import matplotlib.pyplot as plt
    panels = plot["panels"]
    if not panels:
        return
    columns, rows = grid(len(panels))
    width = max(7.5, 3.6 * columns + 0.8)
    height = 2.8 * rows + 1.3
    figure, axes_grid = plt.subplots(rows, columns, figsize=(width, height), squeeze=False)
    for index, axes in enumerate(axes_grid.flat):
        if index >= len(panels):
            axes.set_visible(False)
            continue
        panel = panels[index]
        DRAW[plot["kind"]](axes, panel, colour)
        axes.set_title(panel["title"])
        if not axes.has_data():
            # Say so rather than leave an empty frame that reads as zero.
            axes.text(0.5, 0.5, "no cell ran here\n(see the report's table of cells that did not run)",
                      ha="center", va="center", fontsize=7.5, color="0.4", transform=axes.transAxes)
            axes.set_xticks([])
            axes.set_yticks([])
            continue
        # The y label on each row's first panel: a figure-wide label would sit on the ticks.
        if index % columns == 0:
            axes.set_ylabel(plot["yLabel"])
        if plot.get("yLog"):
            axes.set_yscale("log")
        elif plot.get("yFromZero"):
            axes.set_ylim(bottom=0)
        if plot.get("xTicks") is not None:
            axes.set_xticks(plot["xTicks"])
            axes.set_xticklabels(plot["xTickLabels"])
        axes.grid(True, axis="y", linewidth=0.4, alpha=0.5)
    figure.suptitle(plot["title"], fontsize=12, y=0.995)
    figure.supxlabel(plot["xLabel"])
    # One legend for the figure: every panel shares the engines and their colours.
    labels, handles = [], []
    for axes in axes_grid.flat:
        for handle, label in zip(*axes.get_legend_handles_labels()):
            if label not in labels:
                labels.append(label)
                handles.append(handle)
    # As many legend columns as the longest label allows at 8 pt (about 0.075 in a character).
    legend_columns = max(1, min(len(labels), 6, int(width / (0.075 * max(map(len, labels), default=1) + 0.5))))
    legend_rows = math.ceil(len(labels) / legend_columns) if labels else 0
    height += 0.2 * max(0, legend_rows - 1)
    figure.set_size_inches(width, height)
    top = 1 - (0.25 + 0.2 * legend_rows) / height
    if labels:
        figure.legend(handles, labels, loc="upper center", ncol=legend_columns, frameon=False,
                      bbox_to_anchor=(0.5, 1 - 0.3 / height), fontsize=8)
    figure.tight_layout(rect=(0, 0, 1, top), pad=0.6)
    for extension in ("png", "svg"):
        target = os.path.join(out_dir, f"{plot['file']}.{extension}")
        temporary = os.path.join(out_dir, f".{plot['file']}.{extension}.tmp-{os.getpid()}")
        figure.savefig(temporary, format=extension, dpi=110, metadata={"Date": None} if extension == "svg" else None)
        os.replace(temporary, target)
    plt.close(figure)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py PLOTS.json OUT_DIR")
    ensure_matplotlib()
    with open(sys.argv[1], encoding="utf-8") as source:
        plot_set = json.load(source)
    colour = colours(plot_set["colourOrder"])
    for plot in plot_set["plots"]:
        render(plot, colour, sys.argv[2])


if __name__ == "__main__":
    main()
