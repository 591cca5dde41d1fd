"""The request handler every fake server here starts from: HTTP/1.1 with
keep-alive, no access log on stderr, and TCP_NODELAY.  Answers go out in
two writes (headers, body): without TCP_NODELAY, Nagle and the client's
delayed ACK add 40 ms to every answer, which the real servers do not."""
import socket
from http.server import BaseHTTPRequestHandler


class QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass
