#!/usr/bin/env python3
"""e2e.report_render: the session report HTML rendered by headless Chromium (issue 7).

Builds report.html / report.json with `arborctl report build` from
tests/data/report/session_small.json and from a generated 240-execution session, renders each
page in headless Chromium (Debian package `chromium`) and checks:

  * self-contained: no <script>, <link>, <iframe>, <object>, <embed> or <base>, no URL-bearing
    attribute (src, href, ...) or CSS url()/@import pointing outside the page (http://,
    https://, //host, a relative file, ...), in the file and in the rendered DOM;
  * the rendered DOM (--dump-dom) holds every chart: svg#equity-chart and svg#drawdown-chart
    with a step path of exactly one vertex per report.json equity_curve point (and a marker per
    execution), svg#pnl-by-lane-chart with one bar per lane, one svg.latency-chart per
    distribution with one bar per bucket;
  * the screenshot (--screenshot) is the requested size and every chart is really painted: the
    equity and drawdown strokes cross most of their chart, the drawdown area is filled, the lane
    bars and the tallest latency bar have the expected extent, in the charts' own colours,
    inside each chart's on-page box (measured by the layout engine in a second, instrumented
    render).

Then it checks the checker: broken copies of the page (equity chart removed, equity curve cut to
two points, charts hidden by CSS, an external stylesheet) must each fail, for the right reason.

Chromium is required: if it is missing the test FAILS (install it with
`scripts/install_deps.sh --tests`). PNGs are decoded here with zlib (no Pillow). On failure the
work directory (pages, screenshots, DOM dumps) is kept and its path printed.
"""

import argparse
import concurrent.futures
import html.parser
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

WIDTH = 1280
MIN_HEIGHT = 2400  # the window is made taller when the page is, so every chart is on screen
CHROMIUM_TIMEOUT_S = 90

# Colours html.cc draws with (services/lib/report/src/html.cc).
BLUE = (0x09, 0x69, 0xda)  # equity stroke, latency bars
RED = (0xcf, 0x22, 0x2e)  # drawdown stroke, negative lane bars
GREEN = (0x2d, 0xa4, 0x4e)  # positive lane bars
DRAWDOWN_FILL = (245, 211, 213)  # rgba(207,34,46,0.2) over the white chart background
TOLERANCE = 24  # per channel: exact colour up to antialiasing at the edges

# Appended to a copy of the page for the layout pass: records each <svg>'s box in page
# coordinates and the page size as attributes, which --dump-dom then serialises. Changes no
# layout; the screenshot is always taken of the unmodified page.
LAYOUT_SCRIPT = """<script>
for (const s of document.querySelectorAll("svg")) {
  const r = s.getBoundingClientRect();
  const box = [r.left + scrollX, r.top + scrollY, r.width, r.height];
  s.setAttribute("data-arbor-box", box.join(","));
}
const e = document.documentElement;
e.setAttribute("data-arbor-page", [e.scrollWidth, e.scrollHeight, devicePixelRatio].join(","));
</script>
"""

# Attributes whose value the browser would fetch or navigate to.
URL_ATTRS = {"src", "href", "xlink:href", "srcset", "data", "poster", "action", "formaction",
             "background", "manifest", "ping", "codebase", "cite"}
# Script (the page promises none), stylesheets/icons, embedded documents and a base URL.
FORBIDDEN_TAGS = {"script", "link", "iframe", "frame", "object", "embed", "base"}
# Attributes that are only ever text: input strings may land here ("latency <name>").
TEXT_ATTRS = {"aria-label", "title", "alt", "id", "class"}


class Failure(Exception):
    pass


def log(msg):
    print(f"report_render_test: {msg}", flush=True)


# --------------------------------------------------------------------------------------------
# PNG decoding (8-bit RGB / RGBA, non-interlaced: what Chromium writes).


def decode_png(path):
    """Returns (width, height, bytes per pixel, rows) with rows a list of bytearrays."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise Failure(f"{path}: not a PNG file")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise Failure(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise Failure(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, "
                      f"interlace {interlace})")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) != height * (stride + 1):
        raise Failure(f"{path}: {len(raw)} bytes of image data, expected {height * (stride + 1)}")
    # Byte-wise (a + b) mod 256 on whole rows as big integers: the low 7 bits of each byte
    # cannot carry into the next byte, and bit 7 is a xor b xor that carry.
    low7 = int.from_bytes(b"\x7f" * stride, "big")
    high = int.from_bytes(b"\x80" * stride, "big")

    def add_rows(x, y):
        a, b = int.from_bytes(x, "big"), int.from_bytes(y, "big")
        return bytearray((((a & low7) + (b & low7)) ^ ((a ^ b) & high)).to_bytes(stride, "big"))

    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 0:
            pass
        elif kind == 2:  # Up
            line = add_rows(line, prev)
        elif kind == 1:  # Sub
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif kind == 3:  # Average
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 255
        elif kind == 4:  # Paeth
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        else:
            raise Failure(f"{path}: row {y} has unknown filter type {kind}")
        rows.append(line)
        prev = line
    return width, height, bpp, rows


class Image:
    def __init__(self, path):
        self.width, self.height, self.bpp, self.rows = decode_png(path)

    def mask(self, box, colour):
        """Pixels of `colour` inside box (x0, y0, x1, y1): a list of rows of booleans."""
        x0, y0, x1, y1 = box
        r0, g0, b0 = colour
        out = []
        for y in range(y0, y1):
            row, bpp = self.rows[y], self.bpp
            out.append([abs(row[x * bpp] - r0) <= TOLERANCE and
                        abs(row[x * bpp + 1] - g0) <= TOLERANCE and
                        abs(row[x * bpp + 2] - b0) <= TOLERANCE for x in range(x0, x1)])
        return out


def runs(flags):
    """Number of maximal runs of True in a sequence of booleans."""
    n, inside = 0, False
    for f in flags:
        if f and not inside:
            n += 1
        inside = f
    return n


def longest_run(flags):
    best = cur = 0
    for f in flags:
        cur = cur + 1 if f else 0
        best = max(best, cur)
    return best


# --------------------------------------------------------------------------------------------
# DOM model: the elements of a page, with the elements inside each <svg>.


class Element:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = {k: (v if v is not None else "") for k, v in attrs}
        self.children = []  # only kept inside <svg>
        self.text = ""

    def classes(self):
        return self.attrs.get("class", "").split()


class Dom(html.parser.HTMLParser):
    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []  # every element, document order
        self.svgs = []
        self.styles = []  # text of <style> elements
        self.root_attrs = {}
        self._svg = None
        self._text_target = None
        self._in_style = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        el = Element(tag, attrs)
        self.elements.append(el)
        if tag == "html":
            self.root_attrs = el.attrs
        if tag == "style":
            self._in_style = True
            self.styles.append("")
        if tag == "svg":
            self._svg = el
            self.svgs.append(el)
        elif self._svg is not None:
            self._svg.children.append(el)
            if tag in ("text", "title"):
                self._text_target = el

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg = None
        if tag == "style":
            self._in_style = False
        if tag in ("text", "title"):
            self._text_target = None

    def handle_data(self, data):
        if self._in_style and self.styles:
            self.styles[-1] += data
        if self._text_target is not None:
            self._text_target.text += data

    def svg_by_id(self, ident):
        found = [s for s in self.svgs if s.attrs.get("id") == ident]
        return found[0] if len(found) == 1 else None

    def svgs_by_class(self, cls):
        return [s for s in self.svgs if cls in s.classes()]


def external_refs(dom):
    """Everything in the page that would load or point to something outside it."""
    problems = []
    for el in dom.elements:
        if el.tag in FORBIDDEN_TAGS:
            problems.append(f"<{el.tag}> element ({el.attrs})")
        for name, value in el.attrs.items():
            v = value.strip().lower()
            if name.startswith("xmlns"):
                continue  # a namespace name, never fetched
            if name in URL_ATTRS and not (v.startswith("#") or v.startswith("data:")):
                problems.append(f"<{el.tag} {name}=\"{value}\">")
            elif ("://" in v and name not in TEXT_ATTRS) or (name == "style" and
                                                             ("url(" in v or "@import" in v)):
                problems.append(f"<{el.tag} {name}=\"{value}\"> refers outside the page")
            elif name.startswith("on"):
                problems.append(f"<{el.tag} {name}=...> (script)")
    for css in dom.styles:
        for m in re.finditer(r"@import\b[^;]*|url\(\s*['\"]?([^'\")]*)", css, re.I):
            target = (m.group(1) or "").strip().lower()
            if m.group(0).lower().startswith("@import") or not target.startswith(("#", "data:")):
                problems.append(f"<style> loads {m.group(0)!r}")
    return problems


# --------------------------------------------------------------------------------------------
# Chromium.


def chromium_env(work):
    env = dict(os.environ)
    home = os.path.join(work, "home")
    runtime = os.path.join(work, "runtime")
    for d in (home, runtime):
        os.makedirs(d, exist_ok=True)
    os.chmod(runtime, 0o700)
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               XDG_DATA_HOME=os.path.join(home, ".local/share"), XDG_RUNTIME_DIR=runtime,
               TMPDIR=work)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def run_chromium(chromium, work, page, height, screenshot=None, tag="run"):
    """Loads file://page in a fresh profile; returns the serialised DOM after load."""
    profile = tempfile.mkdtemp(prefix=f"profile-{tag}-", dir=work)
    cmd = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
           "--disable-dev-shm-usage", "--force-device-scale-factor=1", "--hide-scrollbars",
           "--no-first-run", "--no-default-browser-check", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           # No network at all: the page must not need it, and the test must not reach out.
           "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", "--dump-dom"]
    if screenshot:
        cmd.append(f"--screenshot={screenshot}")
    cmd.append("file://" + os.path.abspath(page))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=chromium_env(work), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # The browser and its helpers form their own session: end them all. The leader is not
        # reaped yet, so the group id is still ours.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise Failure(f"chromium did not finish {os.path.basename(page)} within "
                      f"{CHROMIUM_TIMEOUT_S} s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    with open(os.path.join(work, f"{tag}.stderr"), "w") as f:
        f.write(err)
    noise = ("dbus", "unexpected operator", "bytes written to file")
    useful = [ln for ln in err.splitlines() if ln.strip() and not any(n in ln for n in noise)]
    if proc.returncode != 0:
        raise Failure(f"chromium exited {proc.returncode} on {os.path.basename(page)}:\n  " +
                      "\n  ".join(useful[-20:]))
    if "<html" not in out:
        raise Failure(f"chromium --dump-dom printed no document for {os.path.basename(page)}:\n  "
                      + "\n  ".join(useful[-20:]))
    if screenshot and not os.path.exists(screenshot):
        raise Failure(f"chromium wrote no screenshot {screenshot}:\n  " + "\n  ".join(useful[-20:]))
    return out


class Rendering:
    """One page rendered: its DOM, each <svg>'s on-page box and the screenshot."""

    def __init__(self, chromium, work, page, tag):
        # 1. Layout pass on an instrumented copy: chart boxes and the page height.
        with open(page, encoding="utf-8") as f:
            text = f.read()
        probe = os.path.join(work, f"{tag}.layout.html")
        with open(probe, "w", encoding="utf-8") as f:
            at = text.rfind("</body>")
            f.write(text[:at] + LAYOUT_SCRIPT + text[at:] if at >= 0 else text + LAYOUT_SCRIPT)
        layout = Dom(run_chromium(chromium, work, probe, MIN_HEIGHT, tag=f"{tag}.layout"))
        page_size = layout.root_attrs.get("data-arbor-page")
        if not page_size:
            raise Failure(f"{tag}: the layout pass recorded no page size (JavaScript off?)")
        page_w, page_h, dpr = (float(v) for v in page_size.split(","))
        if dpr != 1:
            raise Failure(f"{tag}: device pixel ratio {dpr}, expected 1")
        self.boxes = [tuple(float(v) for v in s.attrs["data-arbor-box"].split(","))
                      if "data-arbor-box" in s.attrs else None for s in layout.svgs]
        self.layout_keys = [svg_key(s) for s in layout.svgs]
        self.page_width = page_w
        # 2. The unmodified page: DOM and screenshot, in a window as tall as the page.
        self.height = max(MIN_HEIGHT, int(page_h) + 1)
        self.screenshot = os.path.join(work, f"{tag}.png")
        dom_text = run_chromium(chromium, work, page, self.height, self.screenshot, tag=tag)
        with open(os.path.join(work, f"{tag}.dom.html"), "w", encoding="utf-8") as f:
            f.write(dom_text)
        self.dom = Dom(dom_text)
        self.image = Image(self.screenshot)

    def box_of(self, svg):
        """The pixel box of a <svg> of self.dom, inset past its 1 px border, or None."""
        i = self.dom.svgs.index(svg)
        if i >= len(self.boxes) or self.layout_keys[i] != svg_key(svg) or self.boxes[i] is None:
            return None
        left, top, w, h = self.boxes[i]
        return (int(left) + 2, int(top) + 2, int(left + w) - 2, int(top + h) - 2)


def svg_key(svg):
    return (svg.attrs.get("id"), svg.attrs.get("class"), svg.attrs.get("aria-label"))


# --------------------------------------------------------------------------------------------
# The checks. Each returns a list of (category, message); empty = the report renders right.


def path_vertices(d):
    """Vertices of a path made of M, H, V commands (what html.cc's step charts draw)."""
    cmds = re.findall(r"[A-Za-z]", d)
    if not cmds or cmds[0] != "M" or set(cmds) - {"M", "H", "V", "Z"}:
        return None
    # Each point after the first is one "H x V y" pair.
    return 1 + cmds.count("H")


def check_step_chart(r, ident, n_points, colour, has_fill, fill_visible, problems):
    svg = r.dom.svg_by_id(ident)
    if svg is None:
        problems.append(("dom", f"no <svg id=\"{ident}\"> in the rendered page"))
        return
    strokes = [c for c in svg.children if c.tag == "path" and c.attrs.get("fill") == "none"]
    fills = [c for c in svg.children
             if c.tag == "path" and c.attrs.get("fill") not in (None, "none")]
    if len(strokes) != 1:
        problems.append(("dom", f"#{ident}: {len(strokes)} stroked paths, expected 1"))
    else:
        got = path_vertices(strokes[0].attrs.get("d", ""))
        if got != n_points:
            problems.append(("dom", f"#{ident}: the curve has {got} points, report.json "
                             f"equity_curve has {n_points}"))
    markers = sum(1 for c in svg.children if c.tag == "circle")
    if markers != n_points - 1:
        problems.append(("dom", f"#{ident}: {markers} point markers, expected {n_points - 1}"))
    if len(fills) != (1 if has_fill else 0):
        problems.append(("dom", f"#{ident}: {len(fills)} filled areas, expected "
                         f"{1 if has_fill else 0}"))
    if not any(c.tag == "text" and c.text.strip() for c in svg.children):
        problems.append(("dom", f"#{ident}: no axis labels"))

    box = r.box_of(svg)
    if box is None:
        problems.append(("layout", f"#{ident}: no on-page box from the layout pass"))
        return
    width = box[2] - box[0]
    mask = r.image.mask(box, colour)
    columns = [any(row[x] for row in mask) for x in range(width)]
    # The plot spans 650 of the chart's 760 px and a step curve covers its whole time range.
    if sum(columns) < 0.7 * width:
        problems.append(("pixels", f"#{ident}: the curve colour {colour} is painted in "
                         f"{sum(columns)} of {width} columns, expected >= 70%"))
    if fill_visible:
        area = sum(map(sum, r.image.mask(box, DRAWDOWN_FILL)))
        if area < 500:
            problems.append(("pixels", f"#{ident}: drawdown area fill covers {area} px, "
                             "expected >= 500"))


def check_lane_chart(r, lanes, problems):
    svg = r.dom.svg_by_id("pnl-by-lane-chart")
    if svg is None:
        problems.append(("dom", "no <svg id=\"pnl-by-lane-chart\"> in the rendered page"))
        return
    bars = [c for c in svg.children if c.tag == "rect"]
    if len(bars) != len(lanes):
        problems.append(("dom", f"#pnl-by-lane-chart: {len(bars)} bars, {len(lanes)} lanes"))
    labels = {c.text for c in svg.children if c.tag == "text"}
    for lane in lanes:
        if lane["lane"] not in labels:
            problems.append(("dom", f"#pnl-by-lane-chart: no label for lane {lane['lane']}"))
    box = r.box_of(svg)
    if box is None:
        problems.append(("layout", "#pnl-by-lane-chart: no on-page box from the layout pass"))
        return
    green, red = r.image.mask(box, GREEN), r.image.mask(box, RED)
    painted = [[g or rd for g, rd in zip(gr, rr)] for gr, rr in zip(green, red)]
    width = box[2] - box[0]
    pnl = [lane["realized_pnl_micros"] for lane in lanes]
    span = max(max(pnl), 0) - min(min(pnl), 0)
    if span > 0:
        # The longest bar is at least half the plot (480 of 760 px): >= 30% of the width.
        longest = max(longest_run(row) for row in painted)
        if longest < 0.3 * width:
            problems.append(("pixels", f"#pnl-by-lane-chart: longest bar {longest} px of "
                             f"{width}, expected >= 30%"))
        # One horizontal band of bar colour per lane whose bar is not a sliver.
        visible = sum(1 for p in pnl if abs(p) >= 0.05 * span)
        bands = runs(sum(row) >= 3 for row in painted)
        if bands < visible:
            problems.append(("pixels", f"#pnl-by-lane-chart: {bands} painted bars, expected "
                             f">= {visible}"))


def check_latency_charts(r, latencies, problems):
    svgs = r.dom.svgs_by_class("latency-chart")
    if len(svgs) != len(latencies):
        problems.append(("dom", f"{len(svgs)} <svg class=\"latency-chart\">, report.json has "
                         f"{len(latencies)} distributions"))
    for d in latencies:
        label = f"latency {d['name']}"
        svg = next((s for s in svgs if s.attrs.get("aria-label") == label), None)
        if svg is None:
            problems.append(("dom", f"no latency chart labelled {label!r}"))
            continue
        bars = [c for c in svg.children if c.tag == "rect"]
        if len(bars) != len(d["buckets"]):
            problems.append(("dom", f"{label}: {len(bars)} bars, {len(d['buckets'])} buckets"))
        if d["count"] == 0:
            continue
        counts, prev = [], 0
        for _, cumulative in d["buckets"]:
            counts.append(cumulative - prev)
            prev = cumulative
        peak = max(counts)
        box = r.box_of(svg)
        if box is None:
            problems.append(("layout", f"{label}: no on-page box from the layout pass"))
            continue
        mask = r.image.mask(box, BLUE)
        height = box[3] - box[1]
        columns = list(zip(*mask))
        # The tallest bar spans the plot height (174 of the chart's 222 px).
        tallest = max(longest_run(col) for col in columns)
        if tallest < 0.6 * height:
            problems.append(("pixels", f"{label}: tallest bar {tallest} px of {height}, "
                             "expected >= 60%"))
        visible = sum(1 for c in counts if c >= 0.05 * peak)
        nonempty = sum(1 for c in counts if c > 0)
        bands = runs(sum(col) >= 3 for col in columns)
        if not visible <= bands <= nonempty:
            problems.append(("pixels", f"{label}: {bands} painted bars, expected "
                             f"{visible}..{nonempty} (non-empty buckets)"))


def check_report(chromium, work, page, report, tag):
    """Renders `page` and returns the list of (category, message) problems."""
    problems = []
    with open(page, encoding="utf-8") as f:
        source = Dom(f.read())
    for p in external_refs(source):
        problems.append(("self-contained", f"page source: {p}"))
    r = Rendering(chromium, work, page, tag)
    for p in external_refs(r.dom):
        problems.append(("self-contained", f"rendered DOM: {p}"))

    if (r.image.width, r.image.height) != (WIDTH, r.height):
        problems.append(("pixels", f"screenshot is {r.image.width}x{r.image.height}, "
                         f"requested {WIDTH}x{r.height}"))
        return problems
    if r.page_width > WIDTH:
        problems.append(("layout", f"page is {r.page_width:.0f} px wide, wider than the "
                         f"{WIDTH} px window"))
    for svg, box in zip(r.dom.svgs, r.boxes):
        if box and (box[0] < 0 or box[1] < 0 or box[0] + box[2] > WIDTH or
                    box[1] + box[3] > r.height or box[2] < 100 or box[3] < 50):
            problems.append(("layout", f"{svg_key(svg)}: box {box} not fully on screen or "
                             "too small"))

    n_points = len(report["equity_curve"])
    if n_points != report["summary"]["executions"] + 1:  # the origin, then one per execution
        problems.append(("input", f"report.json: {n_points} equity points for "
                         f"{report['summary']['executions']} executions"))
    if report["summary"]["executions"] > 0:
        check_step_chart(r, "equity-chart", n_points, BLUE, False, False, problems)
        check_step_chart(r, "drawdown-chart", n_points, RED, True,
                         report["max_drawdown"]["max_drawdown_micros"] > 0, problems)
        check_lane_chart(r, report["pnl_by_lane"], problems)
    else:
        problems.append(("input", "the session has no executions: nothing to chart"))
    check_latency_charts(r, report["latencies"], problems)
    return problems


# --------------------------------------------------------------------------------------------
# Inputs and broken copies.


def generated_session():
    """A longer deterministic session: 240 executions over four lanes, one lane losing."""
    rng = random.Random(20260101)
    t0 = 1767225600_000_000_000
    lanes = ["binary", "negrisk", "cross_venue", "expiry_edge"]
    executions, t = [], t0
    for i in range(240):
        t += rng.randint(1, 15) * 1_000_000_000
        lane = lanes[rng.randrange(4)]
        venues = (["polymarket", "kalshi"] if lane == "cross_venue"
                  else [rng.choice(["polymarket", "kalshi"])])
        bias = -60_000 if lane == "cross_venue" else 40_000
        submitted = rng.randint(2, 4)
        executions.append({
            "execution_id": f"g{i:04d}", "lane": lane, "venues": venues,
            "opened_unix_nanos": t - 400_000_000, "closed_unix_nanos": t,
            "close_reason": rng.choice(["completed", "completed", "unwound", "not_filled"]),
            "realized_pnl_micros": bias + rng.randint(-250_000, 250_000),
            "expected_profit_micros": rng.randint(0, 200_000), "legs_submitted": submitted,
            "legs_filled": rng.randint(0, submitted),
            "slippage_micros": rng.randint(-40_000, 60_000)})
    return {
        "arbor_session": 1,
        "meta": {"mode": "paper", "scenario": "render-check", "seed": "20260101",
                 "git_commit": "0000000", "started_unix_nanos": t0,
                 "ended_unix_nanos": t + 1_000_000_000},
        "executions": executions,
        "opportunities": {lane: 400 for lane in lanes},
        "skips": [{"lane": "binary", "reason": "stale_book", "count": 17}],
        "latencies": [
            {"name": "scan_to_submit",
             "samples_nanos": [int(rng.lognormvariate(14.5, 0.8)) for _ in range(600)]},
            {"name": "submit_to_ack",
             "buckets": [[0.0005, 40], [0.001, 260], [0.0025, 570], [0.005, 600], ["+Inf", 601]]},
        ],
    }


def remove_svg(text, ident):
    out, n = re.subn(r"<svg id=\"%s\".*?</svg>\n?" % re.escape(ident), "", text, flags=re.S)
    assert n == 1, f"mutation: no svg#{ident} in the page"
    return out


def truncate_curve(text, ident):
    """Keeps the first two points of the chart's stroked path (the markers stay)."""
    start = text.index(f"<svg id=\"{ident}\"")
    end = text.index("</svg>", start)
    svg = text[start:end]
    m = re.search(r"<path d=\"(M[^ \"]+ H[^ \"]+ V[^ \"]+)[^\"]*\" fill=\"none\"", svg)
    assert m, f"mutation: no stroked path in svg#{ident}"
    svg = svg[:m.start()] + f"<path d=\"{m.group(1)}\" fill=\"none\"" + svg[m.end():]
    return text[:start] + svg + text[end:]


def insert_head(text, snippet):
    at = text.index("</head>")
    return text[:at] + snippet + text[at:]


# name -> (mutation, the categories that must report it, categories that must stay silent)
MUTATIONS = {
    "equity chart removed": (lambda t: remove_svg(t, "equity-chart"), {"dom"}, set()),
    "equity curve cut to two points": (lambda t: truncate_curve(t, "equity-chart"), {"dom"},
                                       set()),
    "charts hidden by CSS": (
        lambda t: insert_head(t, "<style>svg path,svg rect,svg circle{visibility:hidden}</style>"),
        {"pixels"}, {"dom", "self-contained"}),
    "external stylesheet": (
        lambda t: insert_head(t, "<link rel=\"stylesheet\" "
                                 "href=\"https://cdn.example.invalid/report.css\">"),
        {"self-contained"}, {"pixels"}),
}


# --------------------------------------------------------------------------------------------


def build_report(arborctl, session_path, out_dir):
    html_path = os.path.join(out_dir, "report.html")
    json_path = os.path.join(out_dir, "report.json")
    proc = subprocess.run([arborctl, "report", "build", "--input", session_path, "--html",
                           html_path, "--json", json_path, "--resamples", "200"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    if proc.returncode != 0:
        raise Failure(f"arborctl report build --input {session_path} exited "
                      f"{proc.returncode}:\n{proc.stdout}")
    with open(json_path) as f:
        return html_path, json.load(f)


def describe(problems):
    return "\n".join(f"    [{cat}] {msg}" for cat, msg in problems)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", required=True)
    p.add_argument("--source-dir", required=True)
    p.add_argument("--chromium", default="chromium", help="browser binary (default: chromium)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--jobs", type=int, default=2, help="checks run side by side (default: 2)")
    args = p.parse_args()

    chromium = shutil.which(args.chromium)
    if chromium is None:
        print(f"report_render_test: FAIL: '{args.chromium}' not found on PATH. This test renders "
              "the report in headless Chromium: install the Debian package with "
              "`scripts/install_deps.sh --tests` (or `apt-get install chromium`).",
              file=sys.stderr)
        return 1
    arborctl = os.path.join(args.build_dir, "services/arborctl/arborctl")
    if not os.access(arborctl, os.X_OK):
        print(f"report_render_test: FAIL: {arborctl} not built "
              f"(ninja -C {args.build_dir} arborctl)", file=sys.stderr)
        return 1
    version = subprocess.run([chromium, "--version"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, timeout=30).stdout.strip()
    log(f"using {version or chromium}")

    work = tempfile.mkdtemp(prefix="arbor-e2e-report-render-")
    ok = False
    try:
        gen_path = os.path.join(work, "session_generated.json")
        with open(gen_path, "w") as f:
            json.dump(generated_session(), f)
        # (tag, page, report.json, mutation name or None)
        jobs = []
        for tag, session in (
                ("small", os.path.join(args.source_dir, "tests/data/report/session_small.json")),
                ("generated", gen_path)):
            out_dir = os.path.join(work, tag)
            os.makedirs(out_dir)
            page, report = build_report(arborctl, session, out_dir)
            jobs.append((tag, page, report, None))
        # Broken copies of the small page: the checker must reject each, for the right reason.
        _, page, report, _ = jobs[0]
        with open(page, encoding="utf-8") as f:
            original = f.read()
        for i, (name, (mutate, _, _)) in enumerate(MUTATIONS.items()):
            broken = os.path.join(work, f"broken{i}.html")
            with open(broken, "w", encoding="utf-8") as f:
                f.write(mutate(original))
            jobs.append((f"broken{i}", broken, report, name))

        # Each check is two Chromium runs, mostly start-up latency: run a few side by side.
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(check_report, chromium, work, page, report, tag)
                       for tag, page, report, _ in jobs]
            results = [f.result() for f in futures]

        for (tag, page, report, name), problems in zip(jobs, results):
            if name is None:
                if problems:
                    raise Failure(f"the {tag} report does not render right:\n"
                                  f"{describe(problems)}")
                log(f"{tag}: ok — {len(report['equity_curve'])} equity points, "
                    f"{len(report['pnl_by_lane'])} lanes, {len(report['latencies'])} latency "
                    f"charts, screenshot {os.path.join(work, tag + '.png')}")
                continue
            _, must, silent = MUTATIONS[name]
            got = {cat for cat, _ in problems}
            if not problems:
                raise Failure(f"self-test: the checker accepted a broken page ({name})")
            if not must <= got or got & silent:
                raise Failure(f"self-test ({name}): expected problems of kind {sorted(must)} and "
                              f"none of {sorted(silent)}, got:\n{describe(problems)}")
            log(f"self-test: '{name}' rejected ({len(problems)} problems, e.g. "
                f"[{problems[0][0]}] {problems[0][1]})")
        ok = True
        log("PASS")
        return 0
    except Failure as e:
        print(f"report_render_test: FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")


if __name__ == "__main__":
    sys.exit(main())
