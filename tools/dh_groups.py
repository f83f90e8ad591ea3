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

# The built-in defaults of servers and libraries, each read from the project's
# own source at the version named (the 2015 Logjam study, "Imperfect Forward
# Secrecy", found these shared by many hosts): (name, source, q or None, p in
# hex). q is the prime order of the subgroup of a DSA-style prime; every other
# prime here is a safe prime. main() checks both before writing the table.
BUILTIN = [
    ("apache_2.0_512", "Apache httpd 2.0 mod_ssl built-in, modules/ssl/ssl_engine_dh.c (2.0.35 - 2.0.65)", None,
     "d4bcd52406f69b35994b88de5db89682c8157f62d8f33633ee5772f11f05ab22"
     "d6b5145b9f241e5acc31ff090a4bc71148976f76795094e71e7903529f5a824b"),
    ("apache_2.0_1024", "Apache httpd 2.0 mod_ssl built-in, modules/ssl/ssl_engine_dh.c (2.0.35 - 2.0.65)", None,
     "e6969d3d495be32c7cf180c3bdd4798e91b7818251bb055e2a2064904a79a770"
     "fa15a259cbd523a6a6ef09c43048d5a22f971f3c20129b48000e6edd061cbc05"
     "3e371d794e5327df611ebbbe1bac9b5c6044cf023d76e05eea9bad991b13a63c"
     "974e9ef1839eb5db125136f7262e56a8871538dfd823c6505085e21f0dd5c86b"),
    ("apache_2.2_512", "Apache httpd mod_ssl built-in, modules/ssl/ssl_engine_dh.c (2.2.0 - 2.2.34, 2.4.0 - 2.4.6)", None,
     "9fdb8b8a004544f0045f1737d0ba2e0b274cdf1a9f588218fb435316a16e3741"
     "71fd19d8d8f37c39bf863fd60e3e300680a3030c6e4c3757d08f70e6aa871033"),
    ("apache_2.2_1024", "Apache httpd mod_ssl built-in, modules/ssl/ssl_engine_dh.c (2.2.0 - 2.2.29, 2.4.0 - 2.4.6)", None,
     "d67de440cbbbdc1936d693d34afd0ad50c84d239a45f520bb88174cb98bce951"
     "849f912e639c72fb13b4b4d7177e16d55ac179ba420b2a29fe324a467a635e81"
     "ff5901377beddcfd33168a461aad3b72dae8860078045b07a7dbca7874087d15"
     "10ea9fcc9ddd330507dd62db88aeaa747de0f4d6e2bd68b0e7393e0f24218eb3"),
    ("postfix_2.2_512", "Postfix built-in, src/tls/tls_dh.c dh512_p (2.2 - 3.0.13)", None,
     "883f00affc0c8ab835cde5c20f55df063f1607bfce1335e41c1e03f3ab17f663"
     "5063673e10d73eb4eb468c4050e691a56e0145dec9b11f6454fad9ab4f70ba5b"),
    ("postfix_2.2_1024", "Postfix built-in, src/tls/tls_dh.c dh1024_p (2.2 - 3.0.13)", None,
     "b0feb4cfd45507e7cc88590d1726c50ca54a92238178da88aa4c1306bf5d2f9e"
     "bc96b851009d0c0d75adfd3bb17e714f3f91541444b830251cebdf729c4cf189"
     "0d683f948ea4fb768918b29116900199668c53814e273d99e75a7aafd5ece27e"
     "faed0118c2782559065c39f6cd4954afc1b1ea4af953d0df6dafd493e7baae9b"),
    ("postfix_3.1_512", "Postfix built-in, src/tls/tls_dh.c dh512_der (3.1 - 3.5, 3.0.14 - )", None,
     "d8bf11d6412a7a9c78b2aa41230adccfb719c5164ccb4ad0d21f1f7024866f51"
     "52c65b28bb82e124913d4d9556f80b2ce036678864151f45d5b80a000376320b"),
    ("postfix_3.1_2048", "Postfix built-in, src/tls/tls_dh.c dh2048_der (3.1 - 3.5, 3.0.14 - )", None,
     "bf281b6869902f379f5a5023732c11f2ac7c3e58b9233e02074dbad92cc19ef9"
     "c42fbc8d864b2a878693320f7240fe7ea2c132f0659cc319252deb6a4994792d"
     "a1be0526ac8d69dc2e7eb5fd3c2b7d432253f61e0445d75384fd6b12724704af"
     "a4ac4b55b6794240885448d54d3ab2bf6c269529dd8b9eedb8608eb535b62244"
     "1ffb5674fef02ce60c22c935b31b96bb0a5ac309a0cca540900f59a289692a69"
     "79e4d324c68cdabc983a5b16ae636c0b434ff32ec8a96b586aa98e64093d8844"
     "4f972c1d98b0a9c0b68d19371fb7c986a8dc374d6427f3f52b7b6b76843fc123"
     "972d71f7b6c235281096d6690c2e1f9fdf8281575739a5f2812957f92fd003ab"),
    ("postfix_3.6_2048", "Postfix built-in, src/tls/tls_dh.c dh2048_der (3.6)", None,
     "9e2815c5cc9b5ab0e9ab748b2a23ceea87a01809d0402c93235dc0e9782c53d9"
     "3e2114895c79731ebd231e18656dd23ceb41cabba9995584ae9e7057252142aa"
     "db82c6e6f1cfb7bc2a56cc551fade9681822fc0962c3321b051fceece36db579"
     "e08945f3f326a381d959eeed78be0eddf7efcb813f01b7108f0dbe292113ff2a"
     "13257599ecf52d49011da413e82cc813605798b1064577a424f9273f08e69b4b"
     "203b4369a3cc9ac43c1eecb735e4596b6d2adff70bd45a0f7980e1754c10ea26"
     "f0d5f3a615a93e3d0db85350497749474339eeb88ae514c4e310fbf552efa58f"
     "a47e57b95fda0018f07229d4fe905a1f1a40ee4efa3ef3724bea44534353579b"),
    ("postfix_3.7_2048", "Postfix built-in, src/tls/tls_dh.c builtin_der (3.7 - )", None,
     "ec027b74c6d4b48968fdbce082aed6f14d93aa4707843d86f847f7df087bca04"
     "a472ec11e23843b794abafe28559434e7185fe520ce01cb6c7b01b06b34d1b4f"
     "f64b45bd1db8e4a448092819d7ceb1e59ac49455de4d860f4c5e25516c96cafa"
     "e30169826c8ff5e70eb78e52f1cf0b6710d0b37779a4c1d00f3ff55c35f946d2"
     "c7fb976dd5bee48b5af288fa47dcc24a4d69d32adf556c5f71111e870368e1f4"
     "210663d965d40c4da71f15533a501af59b5035e016a1d7e6bfd7d9d953e58bf8"
     "7b4546b6ac50164642ca76384b8e83c673139c03d17a3d8d99341079672123f9"
     "6f489aa6debf7f9c1653fff72096eb34cb5b852b7c98002347cec25812862c57"),
    ("haproxy_1.6_1024", "HAProxy built-in, src/ssl_sock.c ssl_get_dh_1024 (1.6 - 2.5; later only with OpenSSL < 1.1.1)", None,
     "faf92a222aa77fe1674e53f75613c3b1e3296b66316a7fb3c2686bcb1d57391d"
     "1fff1cc9a6a49882315d25ff8ae0739681c88379c15a04f8370da83dae74bcdb"
     "b6a475d9718aa0179e2dc8a8df2c5f8295f8929ba7335f8971c82d6b1886c494"
     "22a5528df6f6d237920fa5ccdb7b1d3da131b7808f0b675e36a5600cf195338b"),
    ("haproxy_1.6_2048", "HAProxy built-in, src/ssl_sock.c ssl_get_dh_2048 (1.6 - 2.5; later only with OpenSSL < 1.1.1)", None,
     "ec86f870a03316ec051a7359cd1f8bf829e4d2cf52ddc2248db5389afb5ca4e4"
     "b2dace665074a6854d4b1d30b82bf310e9a72d0571e781df8b59523b5f430b68"
     "f1db07be086b1b23ee4dcc9e0e43a01edf438cecbebe90b45154b92f7b64764e"
     "5dd42eaec29eae514359c7779c503c0eed73045ff14c762ad8f8cffc3440d1b4"
     "42618466423904f868b262d755ed1b747591e0c569c1315cdb7b442ece84580d"
     "1e660cc8449efd4008675dfba7768f001187e993f97dc4bc745520d44a412f43"
     "421ac1f297174927376b2f887e1ca0a1899227d9565a71c156377e3a9d05e7ee"
     "5d8f8217bce9c2933082f9f4c9ae49dbd054b4d9754dfa06b8d63841b71f77f3"),
    ("haproxy_1.6_4096", "HAProxy built-in, src/ssl_sock.c ssl_get_dh_4096 (1.6 - 2.5; later only with OpenSSL < 1.1.1)", None,
     "de1694cd995807f1f73296110482d48472809906caf0a36807ce6450e7744520"
     "805e4dada5b6edfa806c3b35c49a146b32bbfd1f178eb71fd6fa3f7bee16a562"
     "330dedbc4e58e5474de9ab8e38d36e9057e3221533bdf64345b5100abe2cb435"
     "b8538dadfba71f8558417a792068b3e13d0876bf860d49e382718cb48d8184d4"
     "e7be91dc2639480f35c4ca65e340935276587ddd5175dc6961bf472c16682dc9"
     "29d3e6c09948a09ac878c06d816712613f71ba411f6c894403ba3b3960aa2855"
     "59aeb8facb6fa51af72bdd528a8be271a65e7ed82e18e066dfdd2221995273a6"
     "3320650e53e76b9bc5a32f976576d347237712b6117b24edf1efc0e2a37e6705"
     "3e964d45c218d1739e07f3816e5263f62076b913d26530181609169e8ff1d210"
     "5ad3d4af1661da552e185e1408542e2a25a21a9b8b32a9fdc24896e180cae922"
     "17bbce3e9eedc7f11fec1721dc7b82488ebb4b9d5b0404dadb39df0140c3aa26"
     "238975c60bd0a2606af1cc6518981b52d27461ccbd60aea3a0666a1634923f41"
     "403129c02c63b2078deb94b8e8479252936a1b7e1a61b31bf0d6729bf1b0afbf"
     "3e65ef231d6fff70cd8a4c8aa0729dbed4bb24474a68b5f5c6d57acdca064107"
     "adc21ee654a7ad03d912c19c13b1c90a438e1e08ce5082735fa7551dd959acb5"
     "ea027f6c5b7496986724a30f15fca97d3e67d170f897f367c58c88440802c72b"),
    ("exim_4.88_2048", "Exim default tls_dhparam exim.dev.20160529.3, src/src/std-crypto.c (4.88 - )", None,
     "91b45856881ed8fb6b995d5e2822a5b9204510b81c92e2d29e4b87d137dfa9b9"
     "9fa18337e2516edaf3ccd8b867ccabc4050948202393cd00f6f6444e69c45f48"
     "aa6c3483515e15ca52a23ab055f3519bb816593af5728664e48362f5a4239a52"
     "9f56a6438367be7eacfaec27fdfd190d90e228b5bd4e09edc49578036fb27b29"
     "9a7a81826c85d7e6af1681a8c58407aeb77e912fddc70675d3d614fb1236b563"
     "cd70f5f3b342bc01b978727c2900762300fd50a9d140f8d29eee7fea24a5c915"
     "9f00fa5a75021cc8a3f271a555b95910b158ccd8b4b9db7322b4b09402db6572"
     "1e02a85b65724e942b98b29261cd5d15b34943270af1bcdc2d760d5eae7548a3"),
    # OpenJDK sun/security/provider/ParameterCache.java: SunJCE's DH key pair
    # generator took its parameters from the DSA cache ("use DSA parameters
    # for DH as well"): JDK 6 - 8 for 512, 768 and 1024 bits (JSSE's default
    # DHE group: 768 bits in JDK 7, 1024 in JDK 8), JDK 8 for 2048 bits; the
    # 512-bit one is still there. DSA primes: p - 1 has a large prime factor q
    # (kept here so the tool checks it), p is not a safe prime.
    ("java_512", "Java SunJCE DH default, sun/security/provider/ParameterCache.java p512 (JDK 6 - )",
     "962eddcc369cba8ebb260ee6b6a126d9346e38c5",
     "fca682ce8e12caba26efccf7110e526db078b05edecbcd1eb4a208f3ae1617ae"
     "01f35b91a47e6df63413c5e12ed0899bcd132acd50d99151bdc43ee737592e17"),
    ("java_768", "Java SunJCE DH default, sun/security/provider/ParameterCache.java p768 (JDK 6 - 8)",
     "9cdbd84c9f1ac2f38d0f80f42ab952e7338bf511",
     "e9e642599d355f37c97ffd3567120b8e25c9cd43e927b3a9670fbec5d8901419"
     "22d2c3b3ad2480093799869d1e846aab49fab0ad26d2ce6a22219d470bce7d77"
     "7d4a21fbe9c270b57f607002f3cef8393694cf45ee3688c11a8c56ab127a3daf"),
    ("java_1024", "Java SunJCE DH default, sun/security/provider/ParameterCache.java p1024 (JDK 6 - 8)",
     "9760508f15230bccb292b982a2eb840bf0581cf5",
     "fd7f53811d75122952df4a9c2eece4e7f611b7523cef4400c31e3f80b6512669"
     "455d402251fb593d8d58fabfc5f5ba30f6cb9b556cd7813b801d346ff26660b7"
     "6b9950a5a49f9fe8047b1022c24fbba9d7feb7c61bf83b57e7c6a8a6150f04fb"
     "83f6d3c51ec3023554135a169132f675f3ae2b61d72aeff22203199dd14801c7"),
    ("java_2048", "Java SunJCE DH default, sun/security/provider/ParameterCache.java p2048_224 (JDK 8)",
     "baf696a68578f7dfdee7fa67c977c785ef32b233bae580c0bcd5695d",
     "8f7935d9b9aae9bfabed887acf4951b6f32ec59e3baf3718e8eac4961f3efd36"
     "06e74351a9c4183339b809e7c2ae1c539ba7475b85d011adb8b47987754984"
     "695cac0e8f14b3360828a22ffa27110a3d62a993453409a0fe696c4658f84bdd"
     "20819c3709a01057b195adcd00233dba5484b6291f9d648ef883448677979cec"
     "04b434a6ac2e75e9985de23db0292fc1118c9ffa9d8181e7338db792b730d7b9"
     "e349592f68099872153915ea3d6b8b4653c633458f803b32a4c2e0f27290256e"
     "4e3f8a3b0838a1c450e4e18c1a29a37ddf5ea143de4b66ff04903ed5cf1623e1"
     "58d487c608e97f211cd81dca23cb6e380765f822e342be484c05763939601cd667"),
]


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
    ] + [(name, int(p, 16), 0, src) for name, src, _, p in BUILTIN]


def probable_prime(n):
    """Miller-Rabin with the first 40 primes as bases (no randomness: the
    table must come out the same on every run)."""
    bases = [b for b in range(2, 180) if all(b % d for d in range(2, b))][:40]
    if n < 2:
        return False
    for b in bases:
        if n % b == 0:
            return n == b
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for b in bases:
        x = pow(b, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def check_builtin():
    """Each built-in prime is what its source says it is: a safe prime
    (p = 2q + 1, both prime), or for a DSA-style prime a prime p whose p - 1
    the prime q divides; and no two entries carry the same prime."""
    seen = {}
    for name, _, q, hexp in BUILTIN:
        p = int(hexp, 16)
        if q is None:
            assert probable_prime(p) and probable_prime((p - 1) // 2), name + ": not a safe prime"
        else:
            q = int(q, 16)
            assert probable_prime(p) and probable_prime(q) and (p - 1) % q == 0, name + ": bad DSA-style prime"
        assert p not in seen, name + " repeats " + seen.get(p, "")
        seen[p] = name


def main():
    check_builtin()
    table = groups()
    assert len(set(p for _, p, _, _ in table)) == len(table), "a prime is in the table twice"
    for name, p, _, _ in table:
        if not name.startswith(("modp_768", "modp_1024", "nginx")) and name not in dict((b[0], b) for b in BUILTIN):
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
