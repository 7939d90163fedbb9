#!/bin/sh
# sslclient against other servers: openssl s_server (-rev, a client
# certificate required with -Verify 1) and python3 ssl (MiB both ways with
# checksums, half-close, SNI, ciphers, a server without close_notify);
# client certificates with -c/-k and passwords through -K and -3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 28
make_client_pki
CA="-a $PKI/ca.pem"

# s_server NAME ARGS...: openssl s_server on 127.0.0.1, a free port, in the
# background; sets SSPID and SSPORT
s_server() {
  _ss=$1; shift
  : > "$T/$_ss.out"
  timeout 60 openssl s_server -accept 127.0.0.1:0 -cert "$PKI/ec.pem" -key "$PKI/ec.key" "$@" \
    > "$T/$_ss.out" 2> "$T/$_ss.err" < /dev/null &
  SSPID=$!
  track "$SSPID"
  wait_grep "$T/$_ss.out" '^ACCEPT ' 100
  SSPORT=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$T/$_ss.out")
}

head -c 1600000 /dev/urandom | base64 -w 76 > "$T/b64.txt"
rev "$T/b64.txt" > "$T/rev.txt"
s_server rev -rev -naccept 1
sslc -H -l0 $CA 127.0.0.1 "$SSPORT" sh -c \
  '{ cat "$1"; } >&7 7>&- 6<&- & exec 7>&-; cat <&6 > "$2"; wait' sh "$T/b64.txt" "$T/got.txt"
is "$?" 0 "openssl s_server -rev: sslclient exits 0"
cmp -s "$T/rev.txt" "$T/got.txt"
ok $? "2 MiB of lines to s_server -rev and back reversed, sent and read at once"
stop_server "$SSPID"

# a client certificate that s_server -Verify 1 requires
s_server need -rev -naccept 1 -Verify 1 -CAfile "$PKI/ca.pem"
out=$(echo hello | sslc -vv -H -l0 $CA 127.0.0.1 "$SSPORT" sh -c 'cat >&7; exec 7>&-; cat <&6' 2>&1)
is "$?" 111 "no client certificate for s_server -Verify 1: 111"
like "$out" '^sslclient: (drop: \(110\) unable to speak TLS|fatal: \(111\) unable to TLS connect): .*certificate required' \
  "and with -vv the server's alert is the reason"
stop_server "$SSPID"

s_server cc -rev -naccept 1 -Verify 1 -CAfile "$PKI/ca.pem"
out=$(echo hello | sslc -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client.key" 127.0.0.1 "$SSPORT" \
  sh -c 'cat >&7; exec 7>&-; cat <&6')
is "$?/$out" "0/olleh" "-c/-k: s_server -Verify 1 accepts the client certificate"
wait_grep "$T/cc.err" 'Peer certificate' 50
like "$(cat "$T/cc.err")" 'Peer certificate: CN ?= ?test client' "s_server saw the client certificate's subject"
stop_server "$SSPID"

s_server kp -rev -naccept 1 -Verify 1 -CAfile "$PKI/ca.pem"
out=$(echo hello | sslc -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" \
  -K "$PKI/client.pass" 127.0.0.1 "$SSPORT" sh -c 'cat >&7; exec 7>&-; cat <&6')
is "$?/$out" "0/olleh" "-K: an encrypted key with its password from a file"
stop_server "$SSPID"

s_server k3 -rev -naccept 1 -Verify 1 -CAfile "$PKI/ca.pem"
out=$(echo hello | sslc -3 -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" \
  127.0.0.1 "$SSPORT" sh -c 'cat >&7; exec 7>&-; cat <&6' 3< "$PKI/client.pass")
is "$?/$out" "0/olleh" "-3: the password from descriptor 3"
stop_server "$SSPID"

cat "$PKI/client.pem" "$PKI/client.key" > "$T/combined.pem"
s_server comb -rev -naccept 1 -Verify 1 -CAfile "$PKI/ca.pem"
out=$(echo hello | sslc -H -l0 $CA -c "$T/combined.pem" 127.0.0.1 "$SSPORT" \
  sh -c 'cat >&7; exec 7>&-; cat <&6')
is "$?/$out" "0/olleh" "-c alone: certificate and key in one file"
stop_server "$SSPID"

# key problems are found before connecting
printf 'wrong' > "$T/wrong.pass"
out=$(sslc -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" -K "$T/wrong.pass" \
  127.0.0.1 1 true 2>&1)
is "$?" 111 "a wrong key password: 111"
is "$out" "sslclient: error: (111) unable to load key pair" "a wrong key password: ucspi-ssl's line"
out=$(sslc -vv -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" -K "$T/wrong.pass" \
  127.0.0.1 1 true 2>&1)
like "$out" "^sslclient: error: \\(111\\) unable to load key pair: $PKI/client-enc.key: " \
  "-vv: the line names the key"
out=$(sslc -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/other.key" 127.0.0.1 1 true 2>&1)
like "$?: $out" "^111: sslclient: error: \\(111\\) (key does not match certificate|unable to load key pair)\$" \
  "a key for another certificate: 111 and a message"
out=$(sslc -vv -H -l0 $CA -c "$T/nothing.pem" 127.0.0.1 1 true 2>&1)
like "$?: $out" "^111: sslclient: error: \\(111\\) unable to load certificate: $T/nothing.pem: No such file" \
  "a missing certificate file: 111 and the system's reason"

# python3 ssl: 5 MiB to a server that answers with its checksum after our EOF
head -c 5242880 /dev/urandom > "$T/five.bin"
want=$(sha256sum < "$T/five.bin" | cut -d' ' -f1)
start_py sink --cert "$PKI/rsa.pem" --key "$PKI/rsa.key" --mode sink
out=$(sslc -H -l0 $CA 127.0.0.1 "$PYPORT" sh -c 'cat "$1" >&7 6<&-; exec 7>&-; cat <&6' sh "$T/five.bin")
is "$out" "$want 5242880" "python: 5 MiB arrive whole; the answer after our half-close arrives too"
wait_py

# 5 MiB from the server, then ours after it
start_py src --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode source --file "$T/five.bin"
out=$(sslc -H -l0 $CA 127.0.0.1 "$PYPORT" sh -c \
  'head -c 5242880 <&6 | sha256sum | cut -d" " -f1; printf thanks >&7; exec 7>&-; cat <&6 >/dev/null')
is "$out" "$want" "python: 5 MiB from the server arrive whole"
wait_py
is "$(grep '^got' "$T/src.log")" "got $(printf thanks | sha256sum | cut -d' ' -f1) 6" \
  "and what the client sends afterwards reaches the server"

# SNI and ciphers, as the python server saw them
start_py sni --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode echo --count 5
for opts in "-m localhost" "localhost" "-m 127.0.0.1" "-z TLS_CHACHA20_POLY1305_SHA256 127.0.0.1" \
  "-z ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256 127.0.0.1"; do
  # shellcheck disable=SC2086
  sslc -H -l0 $CA $opts "$PYPORT" sh -c 'exec 7>&-; cat <&6' </dev/null
done
wait_py
is "$(sed -n 1p "$T/sni.log" | cut -d' ' -f1)" "sni=localhost" "-m sends the host name as SNI"
is "$(sed -n 2p "$T/sni.log" | cut -d' ' -f1)" "sni=-" "no SNI by default (-M)"
is "$(sed -n 3p "$T/sni.log" | cut -d' ' -f1)" "sni=-" "-m sends no SNI for an address"
is "$(sed -n 4p "$T/sni.log" | cut -d' ' -f3)" "cipher=TLS_CHACHA20_POLY1305_SHA256" "-z names a TLS 1.3 suite"
is "$(sed -n 5p "$T/sni.log" | cut -d' ' -f3)" "cipher=TLS_AES_128_GCM_SHA256" \
  "-z with TLS 1.2 ciphers and TLS 1.3 suites together"

# a python server that requires a client certificate
start_py pycc --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode echo --count 2 --client-ca "$PKI/ca.pem"
sslc -s -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client.key" 127.0.0.1 "$PYPORT" \
  sh -c 'exec 7>&-; env > "$1"; cat <&6' sh "$T/envc" </dev/null
is "$?" 0 "python with a client certificate required: 0"
sslc -H -l0 $CA 127.0.0.1 "$PYPORT" sh -c 'exec 7>&-; cat <&6' </dev/null 2>/dev/null
is "$?" 111 "python with a client certificate required, none sent: 111"
wait_py
is "$(sed -n 1p "$T/pycc.log" | cut -d' ' -f4-)" "client=test client" \
  "the python server saw the client certificate"
is "$(envval "$T/envc" SSL_CLIENT_S_DN_CN)" "test client" "-s: SSL_CLIENT_S_DN_CN names our own certificate"
out=$(sslc -H -l0 $CA -z NO-SUCH-CIPHER 127.0.0.1 1 true 2>&1)
is "$?: $out" '111: sslclient: error: (111) unable to set cipher list' "-z nonsense: 111"

# a server that ends without close_notify has still sent all its data
start_py nocn --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode http --no-close-notify
out=$(printf 'GET /x HTTP/1.0\r\n\r\n' | sslc -H -l0 $CA 127.0.0.1 "$PYPORT" \
  sh -c 'cat >&7; cat <&6' | tail -n 2)
is "$out" "hello /x
second line" "a server closing without close_notify: all its data arrives"
wait_py
done_testing
