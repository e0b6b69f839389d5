#!/usr/bin/python3
"""Scales a real fleetmend report to N hosts for tests/bench/html_open.

Each host of the source report (a real lab run: real step commands, output
excerpts, errors and timings) is copied under a new name and address until
there are N; batches follow the shipped playbook's [1, "10%", "50%", "100%"]
and the summary is recounted, so `fleetmend report --format html` renders
the page a real N-host run would get.
usage: html_open_scale.py SOURCE.json N OUT.json
"""
import json
import sys


def main():
    source, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(source) as f:
        report = json.load(f)
    models = [h for h in report["hosts"] if h["status"] != "skipped"] or report["hosts"]
    hosts = []
    for i in range(count):
        h = json.loads(json.dumps(models[i % len(models)]))
        h["name"] = "win%05d.lab.example" % (i + 1)
        h["address"] = "127.%d.%d.%d" % (90 + (i + 1) // 65536, ((i + 1) // 256) % 256, (i + 1) % 256)
        hosts.append(h)
    sizes, left = [], count
    for want in (1, max(1, count // 10), max(1, count // 2)):
        take = min(want, left)
        if take:
            sizes.append(take)
            left -= take
    while left > 0:
        take = min(count, left)
        sizes.append(take)
        left -= take
    template = report["rollout"]["batches"][0] if report["rollout"]["batches"] else None
    batches, at = [], 0
    for number, size in enumerate(sizes, 1):
        names = [h["name"] for h in hosts[at:at + size]]
        for h in hosts[at:at + size]:
            h["batch"] = number
        failures = sum(1 for h in hosts[at:at + size]
                       if h["status"] in ("failed", "unreachable", "rollback-failed", "rolled-back"))
        b = dict(template or {}, batch=number, hosts=names, failures=failures, halted=False, reason="")
        batches.append(b)
        at += size
    report["hosts"] = hosts
    report["rollout"]["batches"] = batches
    summary = {k: 0 for k in report["summary"]}
    for h in hosts:
        summary[h["status"]] = summary.get(h["status"], 0) + 1
    summary["total"] = len(hosts)
    report["summary"] = summary
    with open(out, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
