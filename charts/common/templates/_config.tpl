{{/*
Configuration: the JES_* environment of docs/conventions.md.
Plain settings go to the component's ConfigMap, credentials to its Secret (or to Secrets
the operator made: the existingSecret values).
*/}}

{{/* Is this an HTTP component (the gateway) rather than a gRPC service? */}}
{{- define "jes-common.isHttp" -}}
{{- if eq (.Values.protocol | default "grpc") "http" -}}true{{- end -}}
{{- end -}}

{{/* ConfigMap data (YAML map of strings). */}}
{{- define "jes-common.configData" -}}
{{- $g := .Values.global.jes -}}
{{- $data := dict
  "JES_BIND_HOST" "0.0.0.0"
  "JES_DATA_DIR" "/tmp/jes"
  "JES_LOG_LEVEL" (default $g.logLevel .Values.logLevel)
  "JES_PUBLIC_URL" $g.publicUrl
-}}
{{- if include "jes-common.isHttp" . -}}
{{- $_ := set $data "JES_HTTP_PORT" (toString .Values.containerPorts.http) -}}
{{- with .Values.maxUploadMb -}}
{{- $_ := set $data "JES_MAX_UPLOAD_MB" (toString .) -}}
{{- end -}}
{{- with .Values.trustedProxies -}}
{{- $_ := set $data "JES_TRUSTED_PROXIES" (join "," .) -}}
{{- end -}}
{{- else -}}
{{- $_ := set $data "JES_GRPC_PORT" (toString .Values.containerPorts.grpc) -}}
{{- $_ := set $data "JES_METRICS_PORT" (toString .Values.containerPorts.metrics) -}}
{{- $_ := set $data "JES_HEALTH_PORT" (toString .Values.containerPorts.health) -}}
{{- $_ := set $data "JES_EVENT_BUS_URL" (printf "kafka://%s" (required "global.jes.kafka.bootstrapServers is required" $g.kafka.bootstrapServers)) -}}
{{- end -}}
{{- /* the component's certificate (mutual TLS): tls.crt, tls.key, ca.crt of its Secret */ -}}
{{- $_ := set $data "JES_TLS_CERT_FILE" (printf "%s/tls.crt" .Values.tls.mountPath) -}}
{{- $_ := set $data "JES_TLS_KEY_FILE" (printf "%s/tls.key" .Values.tls.mountPath) -}}
{{- $_ := set $data "JES_TLS_CA_FILE" (printf "%s/ca.crt" .Values.tls.mountPath) -}}
{{- range $service := list "identity" "photo-storage" "report-render" "review-workflow" "case-sync" "notification" -}}
{{- $_ := set $data (include "jes-common.addrVariable" $service) (include "jes-common.peerAddress" (dict "ctx" $ "service" $service)) -}}
{{- end -}}
{{- if (.Values.objectStore | default dict).enabled -}}
{{- $_ := set $data "JES_OBJECT_STORE_URL" (required "global.jes.objectStore.url is required" $g.objectStore.url) -}}
{{- end -}}
{{- $mail := .Values.mail | default dict -}}
{{- if $mail.enabled -}}
{{- $_ := set $data "JES_MAIL_URL" (required "mail.url is required" $mail.url) -}}
{{- $_ := set $data "JES_MAIL_FROM" (required "mail.from is required" $mail.from) -}}
{{- end -}}
{{- if (.Values.tokenKeys | default dict).enabled -}}
{{- $_ := set $data "JES_TOKEN_KEY_DIR" .Values.tokenKeys.mountPath -}}
{{- end -}}
{{- range $name, $value := .Values.extraConfig -}}
{{- $_ := set $data $name (toString $value) -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}

{{/*
Secret data the chart itself holds (YAML map, values not yet encoded). Empty when every
credential comes from existing Secrets.
*/}}
{{- define "jes-common.secretData" -}}
{{- $g := .Values.global.jes -}}
{{- $data := dict -}}
{{- $database := .Values.database | default dict -}}
{{- if and $database.enabled (not $database.existingSecret) -}}
{{- $_ := set $data "database-url" (required "database.url (or database.existingSecret) is required" $database.url) -}}
{{- end -}}
{{- if and (.Values.objectStore | default dict).enabled (not $g.objectStore.existingSecret) -}}
{{- $_ := set $data "object-store-access-key" ($g.objectStore.accessKey | default "") -}}
{{- $_ := set $data "object-store-secret-key" ($g.objectStore.secretKey | default "") -}}
{{- end -}}
{{- $secretKey := .Values.secretKey | default dict -}}
{{- if and $secretKey.enabled (not $secretKey.existingSecret) -}}
{{- $value := $secretKey.value -}}
{{- if not $value -}}
{{- /* keep the generated key across upgrades */ -}}
{{- $existing := (lookup "v1" "Secret" .Release.Namespace (include "jes-common.fullname" .)).data | default dict -}}
{{- $value = default (randAlphaNum 48) (get $existing "secret-key" | b64dec) -}}
{{- end -}}
{{- $_ := set $data "secret-key" $value -}}
{{- end -}}
{{- if $data -}}
{{- toYaml $data -}}
{{- end -}}
{{- end -}}

{{/* env entries that read credentials from Secrets */}}
{{- define "jes-common.secretEnv" -}}
{{- $g := .Values.global.jes -}}
{{- $fullname := include "jes-common.fullname" . -}}
{{- $database := .Values.database | default dict }}
{{- if $database.enabled }}
- name: JES_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default $fullname $database.existingSecret }}
      key: {{ ternary $database.existingSecretKey "database-url" (ne ($database.existingSecret | default "") "") }}
{{- end }}
{{- if (.Values.objectStore | default dict).enabled }}
{{- $store := $g.objectStore }}
- name: JES_OBJECT_STORE_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $fullname $store.existingSecret }}
      key: {{ ternary $store.existingSecretAccessKeyKey "object-store-access-key" (ne ($store.existingSecret | default "") "") }}
- name: JES_OBJECT_STORE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $fullname $store.existingSecret }}
      key: {{ ternary $store.existingSecretSecretKeyKey "object-store-secret-key" (ne ($store.existingSecret | default "") "") }}
{{- end }}
{{- $secretKey := .Values.secretKey | default dict }}
{{- if $secretKey.enabled }}
- name: JES_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default $fullname $secretKey.existingSecret }}
      key: {{ ternary $secretKey.existingSecretKey "secret-key" (ne ($secretKey.existingSecret | default "") "") }}
{{- end }}
{{- end -}}
