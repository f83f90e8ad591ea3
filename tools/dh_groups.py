#!/usr/bin/env python3
"""Writes dissect/dh_groups_table.h: SHA-256 digests of well-known finite-field
Diffie-Hellman primes, so that tlsscope can name the group a server's
ServerKeyExchange uses (tls.server.dh.group) and flag a shared prime of 1024
bits or fewer (finding common-dh-prime: Logjam, CVE-2015-4000).

Usage: tools/dh_groups.py > dissect/dh_groups_table.h

The primes come from their definitions, not from copies:
- RFC 2409 6.1-6.2 and RFC 3526 2-7 (MODP): p = 2^n - 2^(n-64) - 1 +
  2^64 * (floor(2^(n-130) * pi) + k), with each group's k.
- RFC 7919 A.1-A.5 (ffdhe): p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) *
  2^64 - 1, with each group's X.
- RFC 5114 2.1-2.3 (random primes with subgroups): taken from the openssl
  tool (`openssl genpkey -genparam -algorithm DH -pkeyopt group:dh_2048_256`),
  which carries them.
- nginx's built-in 1024-bit parameters before 1.11.0 (served by every nginx
  with DHE suites and no ssl_dhparam), the PEM block its source carried.
Every group the openssl tool knows is checked against it before the table is
written (tests/unit/test_dh_groups.c checks the table against libcrypto too).
"""
import base64
import hashlib
import subprocess
import sys

sys.dont_write_bytecode = True


def pi_bits(nbits):
    """floor(pi * 2^nbits), by Machin's formula in integers (32 guard bits)."""
    g = nbits + 32
    one = 1 << g

    def arctan_inv(x):
        total, term, k, sign = 0, one // x, 1, 1
        x2 = x * x
        while term:
            total += sign * (term // k)
            term //= x2
            k += 2
            sign = -sign
        return total
    return (16 * arctan_inv(5) - 4 * arctan_inv(239)) >> 32


def e_bits(nbits):
    """floor(e * 2^nbits): the series sum of 1/k!."""
    g = nbits + 32
    total, term, k = 0, 1 << g, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> 32


def modp(n, k):
    return 2 ** n - 2 ** (n - 64) - 1 + 2 ** 64 * (pi_bits(n - 130) + k)


def ffdhe(b, x):
    return 2 ** b - 2 ** (b - 64) + (e_bits(b - 130) + x) * 2 ** 64 - 1


def der_first_integer(der):
    """The first INTEGER (p) of a DHParameter / DomainParameters SEQUENCE."""
    def length(i):
        n = der[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(der[i + 1:i + 1 + k], "big"), i + 1 + k
    assert der[0] == 0x30
    _, i = length(1)
    assert der[i] == 0x02
    n, j = length(i + 1)
    return int.from_bytes(der[j:j + n], "big")


def pem_first_integer(pem):
    body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return der_first_integer(base64.b64decode(body))


def openssl_prime(group):
    out = subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:" + group],
                         capture_output=True, check=True).stdout.decode()
    return pem_first_integer(out)


NGINX_1024 = ("MIGHAoGBALu8LcrYRnSQfEP89YDpz9vZWKP1aLQtSwju1OsPs1BMbAMCducQgAxc"
              "y7qokiYUxb7spWWl/fHSh6K8BJvmd4Bg6RqSp1fjBI9osHb302zI8pul34HcLKcl"
              "7OZicMyaUDXYzs7vnqAnSmOrHlj6/UmI0PZdFGdX2gcd8EXP4WubAgEC")

# (name, prime, IANA NamedGroup or 0, source)
def groups():
    """(name, prime, IANA NamedGroup or 0, source) of every group in the table."""
    return [
        ("modp_768", modp(768, 149686), 0, "RFC 2409 group 1"),
        ("modp_1024", modp(1024, 129093), 0, "RFC 2409 group 2"),
        ("modp_1536", modp(1536, 741804), 0, "RFC 3526 group 5"),
        ("modp_2048", modp(2048, 124476), 0, "RFC 3526 group 14"),
        ("modp_3072", modp(3072, 1690314), 0, "RFC 3526 group 15"),
        ("modp_4096", modp(4096, 240904), 0, "RFC 3526 group 16"),
        ("modp_6144", modp(6144, 929484), 0, "RFC 3526 group 17"),
        ("modp_8192", modp(8192, 4743158), 0, "RFC 3526 group 18"),
        ("ffdhe2048", ffdhe(2048, 560316), 0x0100, "RFC 7919 A.1"),
        ("ffdhe3072", ffdhe(3072, 2625351), 0x0101, "RFC 7919 A.2"),
        ("ffdhe4096", ffdhe(4096, 5736041), 0x0102, "RFC 7919 A.3"),
        ("ffdhe6144", ffdhe(6144, 15705020), 0x0103, "RFC 7919 A.4"),
        ("ffdhe8192", ffdhe(8192, 10965728), 0x0104, "RFC 7919 A.5"),
        ("dh_1024_160", openssl_prime("dh_1024_160"), 0, "RFC 5114 2.1"),
        ("dh_2048_224", openssl_prime("dh_2048_224"), 0, "RFC 5114 2.2"),
        ("dh_2048_256", openssl_prime("dh_2048_256"), 0, "RFC 5114 2.3"),
        ("nginx_1024", der_first_integer(base64.b64decode(NGINX_1024)), 0, "nginx < 1.11.0 built-in"),
    ]


def main():
    table = groups()
    for name, p, _, _ in table:
        if not name.startswith(("modp_768", "modp_1024", "nginx")):
            assert openssl_prime(name) == p, name
        assert p.bit_length() == int("".join(c for c in name.split("_")[-1] if c.isdigit()) or 0) or \
            name.startswith("dh_"), name
    print("/* dh_groups_table.h - written by tools/dh_groups.py: do not edit.")
    print(" * SHA-256 of each well-known prime, big-endian without leading zeros. */")
    for name, p, iana, src in table:
        digest = hashlib.sha256(p.to_bytes((p.bit_length() + 7) // 8, "big")).digest()
        rows = [", ".join("0x%02x" % b for b in digest[i:i + 16]) for i in (0, 16)]
        print("DH_GROUP(\"%s\", %d, 0x%04x, /* %s */" % (name, p.bit_length(), iana, src))
        print("         { %s,\n           %s })" % (rows[0], rows[1]))


if __name__ == "__main__":
    main()
