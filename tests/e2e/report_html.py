#!/usr/bin/env python3
"""report_html.py TLSSCOPE SAMPLES_DIR WORKDIR [CORPUS_DIR] - the HTML report
rendered by a real browser (headless Chromium, Debian's `chromium`).

Builds `tlsscope report --format html` over the repository's samples (and
the shared corpus's captures when present), has Chromium load it from disk,
and checks the rendered DOM against the JSON report of the same input: the
summary numbers, one table row per report row with the same first cells, the
three charts as inline SVG with one bar per data point; that nothing refers
outside the file (no script, link, src or external URL); and that it prints
(a PDF of at least one page). The screenshot and the PDF are kept in WORKDIR
as test artefacts. Exit 77 (skipped) when Chromium is not installed.
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys


class Dom(html.parser.HTMLParser):
    """Collects what the checks need from the rendered DOM."""

    def __init__(self):
        super().__init__()
        self.stack, self.ids, self.rows, self.cell, self.svg = [], {}, [], None, None
        self.rects, self.tags, self.attrs = {}, set(), []
        self.in_tbody = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        if "id" in a:
            self.ids[a["id"]] = ""
            self.stack.append(a["id"])
        else:
            self.stack.append(None)
        if tag == "svg":
            self.svg = a.get("id")
            self.rects[self.svg] = 0
        if tag == "rect" and self.svg and a.get("class") == "bar":
            self.rects[self.svg] += 1
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody:
            self.rows.append([])
        if tag == "td" and self.in_tbody:
            self.cell = ""

    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
        if tag == "svg":
            self.svg = None
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None
        if tag == "tbody":
            self.in_tbody = False

    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.ids[i] += data
        if self.cell is not None:
            self.cell += data


def chromium(args, work):
    env = dict(os.environ, HOME=work)  # its profile and crash dumps go there
    return subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--user-data-dir=" + os.path.join(work, "profile")] + args,
                          capture_output=True, timeout=180, env=env)


def check(tlsscope, inputs, work, name):
    page = os.path.join(work, name + ".html")
    subprocess.run([tlsscope, "report", "--format", "html", "-o", page] + inputs, check=True)
    rows = [json.loads(l) for l in subprocess.run([tlsscope, "report", "--format", "json"] + inputs, check=True,
                                                  capture_output=True).stdout.decode().splitlines()]
    summary, rows = rows[-1], rows[:-1]
    dom_p = chromium(["--dump-dom", "file://" + page], work)
    assert dom_p.returncode == 0, dom_p.stderr.decode()[-2000:]
    dom = Dom()
    dom.feed(dom_p.stdout.decode())
    assert "table" in dom.tags and "svg" in dom.tags, "the page rendered"
    assert int(dom.ids["sum-connections"]) == summary["connections"]
    assert int(dom.ids["sum-rows"]) == len(rows)
    by_day = summary.get("legacy_clients_by_day", {})
    legacy = {ip for day in by_day.values() for ip in day}
    assert int(dom.ids["sum-legacy-clients"]) == len(legacy)
    failures = sum(summary.get("failures_by_cause", {}).values())
    assert int(dom.ids["sum-failures"]) == failures
    assert len(dom.rows) == len(rows), (len(dom.rows), len(rows))
    for tr, r in zip(dom.rows, rows):
        assert tr[0] == r["client"]["ip"] and int(tr[1]) == r["connections"], (tr[:2], r["client"])
    assert dom.rects["chart-versions"] == sum(len(v) for v in summary.get("versions_by_protocol", {}).values())
    assert dom.rects["chart-legacy-days"] == len(by_day)
    assert dom.rects["chart-failures"] == len(summary.get("failures_by_cause", {}))
    # Self-contained: nothing is fetched from anywhere.
    assert "script" not in dom.tags and "link" not in dom.tags and "img" not in dom.tags
    for tag, k, v in dom.attrs:
        assert k not in ("src", "href") and not (v or "").startswith(("http:", "https:", "//")) or \
            (tag == "svg" and k == "xmlns"), (tag, k, v)
    shot = os.path.join(work, name + ".png")
    p = chromium(["--window-size=1280,1600", "--screenshot=" + shot, "file://" + page], work)
    with open(shot, "rb") as f:
        png = f.read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1280, "a screenshot"
    pdf = os.path.join(work, name + ".pdf")
    p = chromium(["--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + page], work)
    with open(pdf, "rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF") and b"/Type /Page" in data.replace(b"/Type/Page", b"/Type /Page"), "it prints"
    print(f"{name}: {len(rows)} rows, {summary['connections']} connections rendered; screenshot {shot}")


def main():
    tlsscope, samples, work = sys.argv[1:4]
    if not shutil.which("chromium"):
        print("skipped: chromium is not installed (apt-get install chromium; make test installs it)")
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    check(tlsscope, sorted(os.path.join(samples, n) for n in os.listdir(samples) if n.endswith(".pcap")), work,
          "samples")
    if len(sys.argv) > 4 and os.path.isdir(sys.argv[4]):
        corpus = sys.argv[4]
        check(tlsscope, sorted(os.path.join(corpus, n) for n in os.listdir(corpus)
                               if n.endswith((".pcap", ".pcapng"))), work, "corpus")


if __name__ == "__main__":
    main()
