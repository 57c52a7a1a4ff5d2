{{/*
Secrets only the identity chart makes.

Token signing keys: identity reads Ed25519 private keys (PEM, PKCS#8, file name = key id,
the newest key id signs) from tokenKeys.mountPath. They come from
tokenKeys.existingSecret, or from a Secret this chart generates once and keeps across
upgrades ("<fullname>-token-keys"). Every replica must see the same keys.
*/}}
{{- define "jes-common.tokenKeysSecretName" -}}
{{- default (printf "%s-token-keys" (include "jes-common.fullname" .)) .Values.tokenKeys.existingSecret -}}
{{- end -}}

{{- define "jes-common.tokenKeysSecret" -}}
{{- if and .Values.tokenKeys.enabled (not .Values.tokenKeys.existingSecret) -}}
{{- $name := include "jes-common.tokenKeysSecretName" . -}}
{{- $existing := (lookup "v1" "Secret" .Release.Namespace $name).data | default dict -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
  annotations:
    # keep the keys when the release is uninstalled: tokens and data signed with them stay verifiable
    helm.sh/resource-policy: keep
type: Opaque
data:
  {{- if $existing }}
  {{- toYaml $existing | nindent 2 }}
  {{- else }}
  {{ printf "k%s-helm.pem" (dateInZone "20060102150405" now "UTC") }}: {{ genPrivateKey "ed25519" | b64enc | quote }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/*
The component's certificate for mutual TLS between JES components: the Secret
"<fullname>-tls" (or tls.existingSecret) holding tls.crt, tls.key and ca.crt. With
global.jes.tls.certManager.enabled the chart asks cert-manager for it (a Certificate from
the JES internal CA's Issuer, URI SAN spiffe://jes/service/<component>, DNS SAN
<component>, which clients check). Court systems get theirs from the same CA with URI SAN
spiffe://jes/court-system/<COURT> (docs/operations.md).
*/}}
{{- define "jes-common.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "jes-common.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{- define "jes-common.certificate" -}}
{{- $c := .Values.global.jes.tls.certManager -}}
{{- if and $c.enabled (not .Values.tls.existingSecret) -}}
{{- $name := include "jes-common.name" . -}}
{{- $fullname := include "jes-common.fullname" . -}}
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {{ include "jes-common.tlsSecretName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
spec:
  secretName: {{ include "jes-common.tlsSecretName" . }}
  commonName: {{ printf "service:%s" $name }}
  uris:
    - {{ printf "spiffe://jes/service/%s" $name }}
  dnsNames:
    - {{ $name }}
    - {{ $fullname }}
    - {{ printf "%s.%s.svc" $fullname .Release.Namespace }}
  duration: {{ $c.duration }}
  renewBefore: {{ $c.renewBefore }}
  privateKey:
    algorithm: ECDSA
    size: 256
    rotationPolicy: Always
  usages:
    - server auth
    - client auth
    - digital signature
  issuerRef:
    name: {{ $c.issuerRef.name }}
    kind: {{ $c.issuerRef.kind }}
    group: cert-manager.io
{{- end -}}
{{- end -}}
