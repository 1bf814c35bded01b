#!/usr/bin/env python3
"""A stand-in for WeChat's mini-program server API, for the contract run.

Every code is accepted: jscode2session answers an openid derived from the code,
getuserphonenumber a mainland mobile number derived from the code, stable_token a token.
Usage: wechat_fake.py PORT_FILE  (listens on a free loopback port and writes it to PORT_FILE)
"""
import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Fake(BaseHTTPRequestHandler):
    def answer(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/sns/jscode2session":
            code = parse_qs(url.query).get("js_code", [""])[0]
            self.answer({"openid": "o" + digest(code)[:27], "session_key": "fake"})
        else:
            self.answer({"errcode": 40001, "errmsg": "unknown call"})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path == "/cgi-bin/stable_token":
            self.body()
            self.answer({"access_token": "fake-token", "expires_in": 7200})
        elif url.path == "/wxa/business/getuserphonenumber":
            code = str(self.body().get("code", ""))
            phone = "139" + str(int(digest(code)[:12], 16))[-8:].zfill(8)
            self.answer({"errcode": 0, "errmsg": "ok", "phone_info": {"purePhoneNumber": phone}})
        elif url.path == "/cgi-bin/message/subscribe/send":
            self.body()
            self.answer({"errcode": 0, "errmsg": "ok"})
        else:
            self.answer({"errcode": 40001, "errmsg": "unknown call"})

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
