#!/bin/sh
# The sidekernel webhook without cert-manager: makes a CA and a serving certificate for the
# webhook's Service, and (with --apply) stores them in the cluster. See docs/DEPLOY.md,
# "Automatic injection".
#
#   scripts/webhook-certs.sh [--out DIR] [--namespace NS] [--service NAME] [--days N] [--apply]
#
# Writes DIR/ca.crt, DIR/ca.key, DIR/tls.crt, DIR/tls.key (EC P-256; default DIR ./webhook-certs,
# 365 days). With --apply it then runs, with the kubectl on PATH:
#   kubectl apply -k deploy/webhook/core
#   kubectl create secret tls sidekernel-webhook-tls ... (replaced if present)
#   kubectl patch mutatingwebhookconfiguration sidekernel-webhook (caBundle of both webhooks)
# Keep ca.key out of the cluster and out of version control. Run it again before --days pass:
# the webhook re-reads the Secret's files when the kubelet updates them, no restart needed.
set -eu

out=./webhook-certs
namespace=sidekernel-system
service=sidekernel-webhook
days=365
apply=false
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --namespace) namespace=$2; shift 2 ;;
    --service) service=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --apply) apply=true; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "webhook-certs.sh: unknown argument \"$1\"; see --help" >&2; exit 2 ;;
  esac
done
case "$days" in ''|*[!0-9]*) echo "webhook-certs.sh: --days \"$days\" is not a whole number" >&2; exit 2 ;; esac
command -v openssl >/dev/null 2>&1 || { echo "webhook-certs.sh: needs the openssl CLI on PATH" >&2; exit 1; }

mkdir -p "$out"
umask 077
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
if [ ! -s "$out/ca.key" ]; then
  # shellcheck disable=SC2086
  openssl req -x509 $ec -keyout "$out/ca.key" -out "$out/ca.crt" -days 3650 \
    -subj "/CN=$service-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
dns="$service.$namespace.svc"
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
  "$dns" "$dns" > "$out/ext.cnf"
# shellcheck disable=SC2086
openssl req $ec -keyout "$out/tls.key" -out "$out/tls.csr" -subj "/CN=$dns" 2>/dev/null
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -out "$out/tls.crt" -days "$days" -extfile "$out/ext.cnf" 2>/dev/null
rm -f "$out/tls.csr" "$out/ext.cnf" "$out/ca.srl"
openssl verify -CAfile "$out/ca.crt" "$out/tls.crt" >/dev/null
echo "webhook-certs.sh: $out/tls.crt for $dns, valid $days days, signed by $out/ca.crt" >&2

[ "$apply" = true ] || exit 0
here=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(base64 < "$out/ca.crt" | tr -d '\n')
kubectl apply -k "$here/deploy/webhook/core"
kubectl create secret tls sidekernel-webhook-tls -n "$namespace" \
  --cert="$out/tls.crt" --key="$out/tls.key" --dry-run=client -o yaml | kubectl apply -f -
kubectl patch mutatingwebhookconfiguration sidekernel-webhook --type=json -p \
  "[{\"op\":\"add\",\"path\":\"/webhooks/0/clientConfig/caBundle\",\"value\":\"$bundle\"},{\"op\":\"add\",\"path\":\"/webhooks/1/clientConfig/caBundle\",\"value\":\"$bundle\"}]"
echo "webhook-certs.sh: applied; label a namespace: kubectl label namespace NS sidekernel.dev/inject=enabled" >&2
