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
The shared service secret (JES_SERVICE_SECRET): services prove who they are to identity
with it. When global.jes.serviceSecret has neither a value nor an existingSecret, the
identity chart generates it once into "<instance>-shared" and every other chart reads it
from there.
*/}}
{{- define "jes-common.sharedSecret" -}}
{{- $s := .Values.global.jes.serviceSecret -}}
{{- if and (not $s.existingSecret) (not $s.value) -}}
{{- $name := include "jes-common.sharedSecretName" . -}}
{{- $existing := (lookup "v1" "Secret" .Release.Namespace $name).data | default dict -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
  annotations:
    helm.sh/resource-policy: keep
type: Opaque
data:
  service-secret: {{ get $existing "service-secret" | default (randAlphaNum 48 | b64enc) | quote }}
{{- end -}}
{{- end -}}
