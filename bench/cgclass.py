"""Instructions of a callgrind profile grouped by what they are for.

Debian's libcrypto and libssl have no symbols for their internal functions,
so the groups are known by the exported functions that lead into them
(EVP_*_fetch, EVP_DigestSign, CRYPTO_malloc, ...), and every unnamed
function takes the groups of its callers, in proportion to the cost of
each call arc. Two kinds of group:
  - purpose (signing, X25519, HKDF/hash, ...): the outermost one on the
    stack wins, so the hashing inside a signature counts as the signature;
  - service (fetches and name lookups, allocation, locks): carved out of any purpose, the
    outermost service winning, so a fetch inside a signature is a fetch.
What no group claims is "the rest". The figures are inclusive and add up
to the total; recursion is counted once (back edges are left out).
"""
import re
import sys

PURPOSE = [
    ("signing (ECDSA; HMAC binder)", r"^(ECDSA_|EVP_DigestSign|EVP_PKEY_sign|EVP_SignFinal)"),
    ("X25519 / ECDH", r"^(EVP_PKEY_(keygen|generate|paramgen|derive|set1_encoded_public_key|"
                      r"get1_encoded_public_key|new_raw_public_key)|X25519)"),
    ("ticket encryption", r"^(EVP_Encrypt|EVP_Decrypt|[id]2d_SSL_SESSION|EVP_MAC_(init|update|final|CTX_)|"
                          r"tls_ticket_keys_)"),
    ("HKDF / hash", r"^(EVP_KDF_|EVP_Digest|EVP_Q_|HMAC|SHA(1|224|256|384|512)_|EVP_MAC_)"),
    ("AEAD (records)", r"^(EVP_Cipher|EVP_CIPHER_CTX_|CRYPTO_gcm128_|aesni_|AES_|ChaCha20|Poly1305)"),
    ("certificate and key handling", r"^(OSSL_DECODER|OSSL_ENCODER|X509|d2i_|i2d_|ASN1_|PEM_|"
                                     r"EVP_PKEY_|EC_|BN_|OBJ_|SSL_get_certificate|SSL_get0_peer)"),
    ("environment and logging", r"^(tls_env|tls_variables|conn_env|log_|tls_cc_)"),
]
SERVICE = [
    ("fetches, name and property queries", r"^(EVP_[A-Z_]+_fetch|OSSL_[A-Z]+_fetch|EVP_[A-Z]+_do_all_provided|"
                                           r"EVP_[A-Z]+_names_do_all|EVP_[A-Z]+_is_a|OSSL_PROVIDER_|OSSL_LIB_CTX_)"),
    ("allocation", r"^(CRYPTO_(malloc|zalloc|realloc|free|clear_free|clear_realloc|memdup|strdup|strndup)|"
                   r"malloc|free|calloc|realloc|cfree|_int_|malloc_consolidate|malloc_trim|"
                   r"__libc_(malloc|free|calloc|realloc))$"),
    ("locks", r"^(CRYPTO_THREAD_|pthread_(rwlock|mutex)_|___pthread_(rwlock|mutex)_)"),
]
GROUPS = [g for g, _ in PURPOSE] + [g for g, _ in SERVICE] + ["the rest"]
_purpose = [(g, re.compile(r)) for g, r in PURPOSE]
_service = [(g, re.compile(r)) for g, r in SERVICE]
_plain = re.compile(r"^(.*?)(@@?[A-Z_0-9.]+|'\d+)?$")  # drop symbol versions and clone marks


def _which(name, table):
    bare = _plain.match(name).group(1)
    for g, rx in table:
        if rx.search(bare):
            return g
    return None


def parse(path):
    """self cost per function, call arcs (caller, callee) -> inclusive cost"""
    names = {"fn": {}, "ob": {}}
    selfc, arcs = {}, {}
    ob = cob = fn = cfn = None
    pending = False
    total = 0

    def ref(kind, v):
        m = re.match(r"\((\d+)\)\s*(.*)$", v)
        if not m:
            return v
        if m.group(2):
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), v)

    def key(name, obj):
        return name if not name.startswith("0x") else f"{name}@{(obj or '').rsplit('/', 1)[-1]}"

    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        c = line[0]
        if c.isdigit() or c in "+-*":
            parts = line.split()
            cost = int(parts[1]) if len(parts) > 1 else 0
            if pending:
                arcs[(fn, cfn)] = arcs.get((fn, cfn), 0) + cost
                pending = False
                cob = None
            else:
                selfc[fn] = selfc.get(fn, 0) + cost
            continue
        k, _, v = line.partition("=")
        if k == "ob":
            ob = ref("ob", v)
        elif k == "cob":
            cob = ref("ob", v)
        elif k == "fn":
            fn = key(ref("fn", v), ob)
            selfc.setdefault(fn, 0)
        elif k == "cfn":
            cfn = key(ref("fn", v), cob or ob)
        elif k == "calls":
            pending = True
        elif k in ("summary", "totals") or line.startswith(("summary:", "totals:")):
            total = int(line.split()[1])
    return selfc, arcs, total


def classify(path, root, by_function=None):
    """{group: Ir} under the function root (its inclusive cost), and the total;
    by_function, a dict, gets {group: {function: Ir}}: the self cost of each
    function in a group, or a service entry's inclusive cost"""
    selfc, arcs, total = parse(path)
    out = {}
    for (g, f), c in arcs.items():
        out.setdefault(g, []).append((f, c))
    start = [f for f in selfc if _plain.match(f).group(1) == root]
    if not start:
        return {"the rest": total}, total
    # callers before callees: depth-first post-order from the root, reversed
    order, seen, onstack, back = [], set(), set(), set()
    stack = [(start[0], iter(out.get(start[0], [])))]
    seen.add(start[0])
    onstack.add(start[0])
    while stack:
        f, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            stack.pop()
            onstack.discard(f)
            order.append(f)
            continue
        g = nxt[0]
        if g in onstack:
            back.add((f, g))
        elif g not in seen:
            seen.add(g)
            onstack.add(g)
            stack.append((g, iter(out.get(g, []))))
    order.reverse()
    # the cost arriving at f by the calls that are followed (no back edges)
    inc = {}
    for (f, g), c in arcs.items():
        if (f, g) not in back and f != g:
            inc[g] = inc.get(g, 0) + c
    # mass[f][state]: the part of it reached in a state, a purpose group or None
    mass = {start[0]: {None: float(inc.get(start[0], 0) or total)}}
    groups = dict.fromkeys(GROUPS, 0.0)
    for f in order:
        n = inc.get(f, 0) or (total if f == start[0] else 0)
        if not n or f not in mass:
            continue
        dist = {s: v / n for s, v in mass[f].items()}
        for s, p in dist.items():
            groups[s or "the rest"] += selfc.get(f, 0) * p
            if by_function is not None:
                d = by_function.setdefault(s or "the rest", {})
                d[f] = d.get(f, 0) + selfc.get(f, 0) * p
        for g, c in out.get(f, []):
            if (f, g) in back or g == f:
                continue
            svc = _which(g, _service)
            if svc:
                groups[svc] += c * sum(dist.values())
                if by_function is not None:
                    d = by_function.setdefault(svc, {})
                    d[g] = d.get(g, 0) + c * sum(dist.values())
                continue
            pur = _which(g, _purpose)
            gm = mass.setdefault(g, {})
            for s, p in dist.items():
                t = s or pur
                gm[t] = gm.get(t, 0.0) + c * p
    return {k: round(v) for k, v in groups.items()}, total


def main(argv):
    """cgclass.py ROOT FILE...: the groups of each file and in each group
    the functions that cost most (self cost; a service's entry points)"""
    root = argv[1]
    for path in argv[2:]:
        funcs = {}
        g, total = classify(path, root, funcs)
        print(path, f"{total:,}")
        for k in GROUPS:
            print(f"  {g[k]:>10,}  {k}")
            top = sorted(funcs.get(k, {}).items(), key=lambda x: -x[1])[:8]
            for f, c in top:
                if c >= 1000:
                    print(f"  {'':>10}    {round(c):>9,}  {f}")


if __name__ == "__main__":
    main(sys.argv)
