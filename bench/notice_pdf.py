"""The printable notice (公示 PDF) benchmark: its render time as a ratio to /healthz, in one run.

Serves a fresh copy of the demo city with gunicorn (production settings, DEBUG off), like
run.py, and times sequential GETs of /healthz and of the notice PDF of the demo's outcome in
its notice period (weasyprint lays out the A4 page and draws the QR code each time). Prints the
median in ms and the ratio; the absolute median is printed too because the target is "well under
a second" on a phone-sized budget. Usage: `make bench` or
`.venv/bin/python bench/notice_pdf.py --requests 30`.
"""

import argparse
import http.client
import re
import statistics

from run import demo_city_server, report, time_requests

TARGET_SECONDS = 1.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30, help="PDFs to render (after warm-up)")
    args = parser.parse_args()

    with demo_city_server() as (port, worker_rss):
        pdf = f"/topics/{notice_topic_id(port)}/notice.pdf"
        time_requests(port, "/healthz", 10)
        time_requests(port, pdf, 3)  # warm up: fonts, templates
        results = {
            "/healthz": statistics.median(time_requests(port, "/healthz", 200)),
            pdf: statistics.median(time_requests(port, pdf, args.requests)),
        }
        rss = worker_rss()
    verdict = "under" if results[pdf] < TARGET_SECONDS else "OVER"
    report(
        results,
        "notice_pdf.txt",
        [
            f"notice PDF median: {results[pdf] * 1000:.0f} ms ({verdict} {TARGET_SECONDS:.0f} s), "
            f"{args.requests} renders",
            f"worker RSS after the run: {rss / 1024:.0f} MiB",
        ],
    )


def notice_topic_id(port):
    """The demo's outcome in its notice period, found through the community page's list of
    outcomes (topic 11 in a fresh demo city, but looked up, not assumed)."""

    def get(path):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        body = connection.getresponse().read().decode()
        connection.close()
        return body

    for slug in re.findall(r'href="/xingfuli/(outcome-\d+)/"', get("/xingfuli/")):
        outcome = get(f"/xingfuli/{slug}/")
        if "status--notice" in outcome:
            return int(re.search(r"/topics/(\d+)/notice\.pdf", outcome).group(1))
    raise SystemExit("the demo city has no outcome in its notice period")


if __name__ == "__main__":
    main()
