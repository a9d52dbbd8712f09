#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets (docs/testing.md) into their Jazzer input directories.

The seeds are the hostile and malformed cases the hand-written suites already hold (HostileInputTest,
RequestTest, Http1CodecTest, ChunkedStreamsTest, ConfigLoaderTest, PemFilesTest), as raw files; the
fuzzer starts from them, and every build replays them. Run from the repository root; it only adds or
rewrites files named seed-*, so findings committed beside them stay. The PEM seeds need a certificate
and keys: pass a directory holding cert.pem, ec.key, ec-sec1.key, rsa-pkcs1.key and ed.key
(openssl commands in docs/testing.md), or leave them out to keep the committed ones.
"""
import base64
import os
import re
import sys

BALANCER = "balancer/src/test/resources/dev/lb/balancer"
HEAD = "http-head/src/test/resources/robaho/net/httpserver"


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    with open(os.path.join(directory, "seed-" + name), "wb") as f:
        f.write(data)


SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n"
REQUESTS = {
    "get": "GET /a?b=1 HTTP/1.1\r\nHost: app.example\r\nAccept: */*\r\n\r\n",
    "post-length": "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "post-chunked": "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nhello world",
    "post-empty": "POST / HTTP/1.1\r\nHost: h\r\n\r\n",
    "http10": "GET / HTTP/1.0\r\n\r\n",
    "absolute-form": "GET http://127.0.0.1:1/steal?x=1 HTTP/1.1\r\nHost: app.example\r\n\r\n",
    "connection-named": "GET / HTTP/1.1\r\nHost: h\r\nConnection: close, X-Secret, keep-alive\r\nX-Secret: 1\r\n"
                        "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\n"
                        "Trailer: X-T\r\nProxy-Authorization: Basic x\r\n\r\n",
    "expect": "PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "forwarded": "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                 "X-Forwarded-Host: evil\r\nX-Request-Id: client-chosen\r\n\r\n",
    "cookie": "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; lb_sticky=abc; b=2\r\nCookie: lb_sticky=x\r\n\r\n",
    "cl-te": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "te-cl": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + SMUGGLED,
    "cl-cl-same": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello" + SMUGGLED,
    "cl-cl-differ": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello" + SMUGGLED,
    "cl-plus": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello",
    "cl-list": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello",
    "cl-negative": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\nhello",
    "cl-hex": "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello",
    "te-http10": "POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-space-colon": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "te-gzip-chunked": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "te-chunked-identity": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "te-xchunked": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "te-twice": "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "no-host": "GET / HTTP/1.1\r\n\r\n",
    "two-hosts": "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "bad-host": "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    "host-ipv6": "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    "nul-value": "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n",
    "no-colon": "GET / HTTP/1.1\r\nHost: h\r\nbroken header line\r\n\r\n",
    "space-before-colon": "GET / HTTP/1.1\r\nHost: h\r\nX-A : 1\r\n\r\n",
    "obs-fold": "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n folded\r\n\r\n",
    "bad-method": "G@T / HTTP/1.1\r\nHost: h\r\n\r\n",
    "no-version": "GET /\r\nHost: h\r\n\r\n",
    "http2": "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    "ftp-target": "GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n",
    "connect": "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    "asterisk": "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    "dot-segments": "GET /a/./b/../c/%2e%2E/d?x=%41&y=' HTTP/1.1\r\nHost: h\r\n\r\n",
    "garbage": "\x01\x02\xff\xfe\x00 garbage\r\n\r\n",
    "bare-lf": "GET /lf HTTP/1.1\nHost: h\n\n",
    "bare-cr": "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n",
    "long-target": "GET /" + "a" * 9000 + " HTTP/1.1\r\nHost: h\r\n\r\n",
    "many-fields": "GET / HTTP/1.1\r\nHost: h\r\n" + "X-A: 1\r\n" * 120 + "\r\n",
    "leading-crlf": "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
}
TARGETS = ["/", "/a/b?x=1", "/a/../b", "/./a", "//double//slash", "/a%2Fb", "/%7Euser", "/a;p=1", "/q?x=1&y=%20z",
           "/q?", "/q?a+b=c+d", "/\u00e9", "/q?\u00e9=\u00fc", "/a%20b?c%20d", "http://other.example:9000/abs?x=1", "",
           "*", "/%2e%2e/etc", "/a?'quote'", "http://user:pw@h/x", "/a%zz", "/a#frag", "mailto:x@y"]

RESPONSES = {
    "fixed": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT",
    "chunked": "\x00\x07HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;n=v\r\nde\r\nA \r\n0123456789\r\n0\r\nX-T: t\r\n\r\nNEXT",
    "head": "\x01\x00HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nNEXT",
    "interim": "\x00\x03HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "no-content": "\x00\x00HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nNEXT",
    "not-modified": "\x00\x00HTTP/1.1 304 Not Modified\r\n\r\nNEXT",
    "until-close": "\x00\x00HTTP/1.0 200 OK\r\n\r\nall of this until the end",
    "te-gzip": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw",
    "te-and-cl": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "cl-twice-differ": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 10\r\n\r\nabcdefghijNEXT",
    "cl-twice-same": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabcNEXT",
    "cl-bad": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
    "cl-short": "\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
    "chunk-not-hex": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "chunk-junk": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n",
    "chunk-no-crlf": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
    "chunk-overflow": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
    "chunk-bare-cr": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\r\nhello\r\n0\r\n\r\n",
    "chunk-unicode-digit": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\xd9\xa5\r\nhello\r\n0\r\n\r\n",
    "chunk-cut": "\x00\x00HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    "bad-status": "\x00\x00HTTP/1.1 2xx OK\r\n\r\n",
    "status-no-reason": "\x00\x00HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
    "lf-only": "\x00\x00HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "obs-fold": "\x00\x00HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok",
    "many-fields": "\x00\x00HTTP/1.1 200 OK\r\n" + "X-A: 1\r\n" * 12 + "\r\n",
    "long-head": "\x00\x00HTTP/1.1 200 OK\r\nX-A: " + "a" * 600 + "\r\n\r\n",
    "non-ascii-head": "\x00\x00HTTP/1.1 200 OK\r\nX-A: " + "\u20ac".encode("utf-8").decode("latin-1") * 200 + "\r\nX-B: " + "\u20ac".encode("utf-8").decode("latin-1") * 150 + "\r\n\r\n",
}

CONFIGS = {
    "seed-format": '{"port":8080,"servers":[{"url":"http://localhost:8001","healthy":false}],"healthCheckInterval":10}',
    "full": '{"port": 9000, "host": "127.0.0.1", "servers": [{"url": "http://10.0.0.1:81", "weight": 3, "name": "a"},'
            ' {"url": "https://b.example", "healthy": true}], "healthCheckInterval": 2, "algorithm": "round-robin",'
            ' "retries": 0, "adminPort": 9999, "adminHost": "0.0.0.0", "workerThreads": 8, "drainTimeoutMs": 100,'
            ' "timeouts": {"connectMs": 100, "responseMs": 2000, "requestHeadMs": 1000, "requestBodyIdleMs": 1000},'
            ' "healthCheck": {"path": "/up", "timeoutMs": 500}, "queue": {"maxWaiting": 10, "timeoutMs": 100},'
            ' "retryBudget": {"ratio": 0.2, "minPerSecond": 5}, "server": "auto", "backendClient": "direct",'
            ' "hashOn": "header:X-User", "hashBalanceFactor": 1.25, "metricsPort": 9100}',
    "dns": '{"port": 8080, "servers": [{"dns": "backends.example", "port": 8080}]}',
    "duplicate-key": '{"port": 1, "port": 2, "servers": []}',
    "unknown-field": '{"port": 8080, "servers": [], "colour": "blue"}',
    "wrong-type": '{"port": "8080", "servers": {}}',
    "huge-number": '{"port": 1' + "0" * 400 + ', "servers": []}',
    "deep": "[" * 2000 + "]" * 2000,
    "empty": "",
    "not-json": "port = 8080",
    "negative": '{"port": -1, "servers": [{"url": "http://h:0"}], "healthCheckInterval": -5}',
    "bad-url": '{"port": 8080, "servers": [{"url": "htp:/x"}, {"url": "http://[::1"}]}',
    "float-port": '{"port": 8080.5, "servers": []}',
    "control-chars": '{"port": 8080, "servers": [{"url": "http://h\\n:1", "name": "a\\r\\nb"}]}',
}


def main():
    request_dir = BALANCER + "/proxy/ClientRequestFuzzTestInputs/"
    for name, text in REQUESTS.items():
        write(request_dir + "anAcceptedRequestIsForwardedWithExactlyOneFramingAndARefusedOneIsAnswered", name, text)
        write(HEAD + "/RequestHeadFuzzTestInputs/aHeadIsAcceptedWithinItsLimitsOrRefusedWithOneAnswer", name, text)
    for i, target in enumerate(TARGETS):
        write(request_dir + "theForwardedTargetIsCanonicalAndStable", "%02d" % i, target.encode("utf-8"))
    response_dir = BALANCER + "/upstream/BackendResponseFuzzTestInputs/"
    for name, text in RESPONSES.items():
        write(response_dir + "anAnswerIsReadToExactlyTheEndItsFramingGives", name, text)
        write(response_dir + "aResponseHeadStaysWithinItsLimits", name, text[2:])
    write(response_dir + "whatTheChunkedWriterFramesTheReaderReadsBack", "mixed", bytes(range(256)) * 3)
    for name, text in CONFIGS.items():
        write(BALANCER + "/config/ConfigLoaderFuzzTestInputs/anyFileGivesAConfigOrOneOneLineConfigException", name,
              text.encode("utf-8"))
    if len(sys.argv) > 1:
        pem_seeds(sys.argv[1])


def pem_seeds(keys):
    def read(name):
        with open(os.path.join(keys, name), "rb") as f:
            return f.read()

    def der(pem):
        body = re.search(rb"-----BEGIN [A-Z ]+-----(.*?)-----END", pem, re.S).group(1)
        return base64.b64decode(b"".join(body.split()))

    tls = BALANCER + "/tls/"
    os.makedirs(tls, exist_ok=True)
    with open(tls + "fuzz-certificate.pem", "wb") as f:
        f.write(read("cert.pem"))
    cert_dir = tls + "PemFilesFuzzTestInputs/anyCertificateFileGivesAChainOrOneOneLineTlsException"
    write(cert_dir, "pem-text", b"\x00" + read("cert.pem"))
    write(cert_dir, "chain-text", b"\x00" + read("cert.pem") + read("cert.pem"))
    write(cert_dir, "der", b"\x01" + der(read("cert.pem")))
    write(cert_dir, "not-pem", b"\x00not a certificate\n")
    write(cert_dir, "bad-base64", b"\x00-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    key_dir = tls + "PemFilesFuzzTestInputs/anyKeyFileGivesTheCertificatesKeyOrOneOneLineTlsException"
    write(key_dir, "pkcs8-text", b"\x00" + read("ec.key"))
    write(key_dir, "sec1-text", b"\x00" + read("ec-sec1.key"))
    write(key_dir, "pkcs8-der", b"\x01" + der(read("ec.key")))
    write(key_dir, "rsa-der", b"\x02" + der(read("rsa-pkcs1.key")))
    write(key_dir, "sec1-der", b"\x03" + der(read("ec-sec1.key")))
    write(key_dir, "ed25519-der", b"\x01" + der(read("ed.key")))
    write(key_dir, "encrypted", b"\x00-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n")
    write(key_dir, "dsa-kind", b"\x00-----BEGIN DSA PRIVATE KEY-----\nMIIB\n-----END DSA PRIVATE KEY-----\n")


if __name__ == "__main__":
    main()
