#!/usr/bin/env python3
"""Clients of greenlane-server for the kill drill and the bench (scripts/service-kill-test.sh, service-bench.sh).

Each client submits fleet requests with an Idempotency-Key, has the officer approve each with its own key,
and downloads the codes; on a refused connection, a reset, a 502/503 or a timeout it retries the same call
with the same key and the same body bytes until it succeeds (or --deadline passes). It writes one JSON line
per code received (request id, row, serial, code) to --codes, and prints a JSON summary on stdout.
"""
import argparse, concurrent.futures, http.client, json, sys, threading, time
from datetime import datetime, timezone, timedelta

def rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")

class Client:
    def __init__(self, port, deadline):
        self.port, self.deadline, self.retries = port, deadline, 0

    def call(self, method, path, token, body=None, key=None):
        data = None if body is None else body
        while True:
            if time.monotonic() > self.deadline:
                raise SystemExit(f"service-clients: deadline passed on {method} {path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                headers = {"Authorization": "Bearer " + token}
                if data is not None:
                    headers["Content-Type"] = "application/json"
                if key is not None:
                    headers["Idempotency-Key"] = key
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                text = response.read()
                conn.close()
            except (ConnectionError, OSError, http.client.HTTPException):
                self.retries += 1
                time.sleep(0.2)
                continue
            if response.status in (502, 503, 504):
                self.retries += 1
                time.sleep(0.2)
                continue
            answer = json.loads(text) if text else {}
            # A claim a killed server left behind: the same key is taken over once its lease has passed.
            if response.status == 409 and answer.get("code") == "idempotency.inProgress":
                self.retries += 1
                time.sleep(float(response.getheader("Retry-After") or 1))
                continue
            if response.status >= 400:
                raise SystemExit(f"service-clients: {method} {path}: {response.status} {answer}")
            return answer

def vehicle(n, now):
    n += 1  # a registration number is never all zeros
    return {"plate": f"29C-{n // 100:03d}.{n % 100:02d}", "vehicleClass": "light-truck",
            "driverName": "Nguyễn Văn An", "driverID": f"0010{n:08d}",
            "testAt": rfc3339(now - timedelta(hours=1)), "purpose": "essential-goods", "zones": "ba-dinh"}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dispatcher", required=True, help="file with the dispatcher's token")
    parser.add_argument("--officer", required=True, help="file with the officer's token")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=5, help="requests per client")
    parser.add_argument("--rows", type=int, default=10, help="vehicles per request")
    parser.add_argument("--first", type=int, default=0, help="number of the first vehicle (plates are unique)")
    parser.add_argument("--run", default="run", help="prefix of the Idempotency-Keys")
    parser.add_argument("--codes", required=True, help="JSON lines out: every code a client received")
    parser.add_argument("--deadline", type=float, default=600, help="seconds")
    parser.add_argument("--progress", help="file touched with the number of requests done so far")
    args = parser.parse_args()
    dispatcher = open(args.dispatcher).read().strip()
    officer = open(args.officer).read().strip()
    deadline = time.monotonic() + args.deadline
    now = datetime.now(timezone.utc)
    lock = threading.Lock()
    done = [0]
    out = open(args.codes, "a")
    clients = []

    def run(c):
        client = Client(args.port, deadline)
        clients.append(client)
        issued = 0
        for r in range(args.requests):
            first = args.first + (c * args.requests + r) * args.rows
            # The same bytes on every retry: the server compares the body's hash under the key.
            body = json.dumps({"vehicles": [vehicle(first + i, now) for i in range(args.rows)]},
                              sort_keys=True).encode()
            key = f"{args.run}-c{c}-r{r}"
            submitted = client.call("POST", "/v1/requests", dispatcher, body, key)
            request = submitted["id"]
            approved = client.call("POST", f"/v1/requests/{request}/approve", officer, None, key + "-approve")
            statuses = [row["status"] for row in approved["rows"]]
            if statuses != ["issued"] * args.rows:
                raise SystemExit(f"service-clients: {request} rows {statuses}")
            codes = client.call("GET", f"/v1/requests/{request}/codes", dispatcher)
            with lock:
                for entry in codes["codes"]:
                    out.write(json.dumps({"request": request, "index": int(entry["index"]),
                                          "serial": entry["serial"], "code": entry["code"]}) + "\n")
                out.flush()
                done[0] += 1
                if args.progress:
                    open(args.progress, "w").write(str(done[0]))
            issued += len(codes["codes"])
        return issued

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        issued = sum(pool.map(run, range(args.clients)))
    seconds = time.monotonic() - started
    print(json.dumps({"issued": issued, "seconds": round(seconds, 3), "passesPerSecond": round(issued / seconds, 1),
                      "retries": sum(c.retries for c in clients)}))

if __name__ == "__main__":
    main()
