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
{{- $_ := set $data "JES_METRICS_PORT" (toString .Values.containerPorts.metrics) -}}
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
{{- $kafka := $g.kafka -}}
{{- $_ := set $data "JES_KAFKA_SECURITY_PROTOCOL" ($kafka.securityProtocol | default "SSL") -}}
{{- if (($kafka.tls | default dict).caSecret) -}}
{{- $_ := set $data "JES_KAFKA_SSL_CA_FILE" "/etc/jes/tls/kafka-ca/ca.crt" -}}
{{- end -}}
{{- if (($kafka.tls | default dict).clientCertSecret) -}}
{{- $_ := set $data "JES_KAFKA_SSL_CERT_FILE" "/etc/jes/tls/kafka-client/tls.crt" -}}
{{- $_ := set $data "JES_KAFKA_SSL_KEY_FILE" "/etc/jes/tls/kafka-client/tls.key" -}}
{{- end -}}
{{- if hasPrefix "SASL_" ($kafka.securityProtocol | default "") -}}
{{- $_ := set $data "JES_KAFKA_SASL_MECHANISM" (required "global.jes.kafka.sasl.mechanism is required with SASL_*" $kafka.sasl.mechanism) -}}
{{- end -}}
{{- end -}}
{{- range $name, $value := (include "jes-common.databaseTlsConfig" . | fromYaml) -}}
{{- $_ := set $data $name $value -}}
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
{{- $_ := set $data "JES_MAIL_STARTTLS" ($mail.starttls | default "required") -}}
{{- if $mail.caSecret -}}
{{- $_ := set $data "JES_MAIL_CA_FILE" "/etc/jes/tls/mail-ca/ca.crt" -}}
{{- end -}}
{{- end -}}
{{- if (.Values.tokenKeys | default dict).enabled -}}
{{- $_ := set $data "JES_TOKEN_KEY_DIR" .Values.tokenKeys.mountPath -}}
{{- end -}}
{{- range $name, $value := (include "jes-common.portalConfig" . | fromYaml) -}}
{{- $_ := set $data $name $value -}}
{{- end -}}
{{- range $name, $value := .Values.extraConfig -}}
{{- if eq $name "JES_DEV_MODE" -}}
{{- fail "extraConfig.JES_DEV_MODE: development mode (demo accounts, /dev/mailbox) is never for Kubernetes" -}}
{{- end -}}
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
{{- $sasl := ($g.kafka.sasl | default dict) }}
{{- if and (not (include "jes-common.isHttp" .)) (hasPrefix "SASL_" ($g.kafka.securityProtocol | default "")) }}
- name: JES_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "global.jes.kafka.sasl.existingSecret is required with SASL_*" $sasl.existingSecret }}
      key: {{ $sasl.usernameKey | default "username" }}
- name: JES_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $sasl.existingSecret }}
      key: {{ $sasl.passwordKey | default "password" }}
{{- end }}
{{- $mail := .Values.mail | default dict }}
{{- if and $mail.enabled ($mail.auth | default dict).existingSecret }}
- name: JES_MAIL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $mail.auth.existingSecret }}
      key: {{ $mail.auth.usernameKey | default "username" }}
- name: JES_MAIL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $mail.auth.existingSecret }}
      key: {{ $mail.auth.passwordKey | default "password" }}
{{- end }}
{{- range (.Values.singleSignOn | default dict).providers }}
- name: {{ printf "JES_SSO_%s_CLIENT_SECRET" (upper .name) }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "singleSignOn.providers[%s].clientSecret.existingSecret is required" .name) (.clientSecret | default dict).existingSecret }}
      key: {{ (.clientSecret | default dict).key | default "client-secret" }}
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

{{/*
PostgreSQL's TLS settings (JES_DATABASE_SSL*), for the service and its migration Job:
sslmode from database.tls.sslmode; the CA from database.tls.caSecret, else the image's
trusted CAs ("system") when the mode verifies the server; a client certificate from
database.tls.clientCertSecret.
*/}}
{{- define "jes-common.databaseTlsConfig" -}}
{{- $database := .Values.database | default dict -}}
{{- if $database.enabled -}}
{{- $tls := $database.tls | default dict -}}
{{- $mode := $tls.sslmode | default "verify-full" -}}
JES_DATABASE_SSLMODE: {{ $mode | quote }}
{{- if $tls.caSecret }}
JES_DATABASE_SSLROOTCERT: /etc/jes/tls/database-ca/ca.crt
{{- else if hasPrefix "verify-" $mode }}
JES_DATABASE_SSLROOTCERT: system
{{- end }}
{{- if $tls.clientCertSecret }}
JES_DATABASE_SSLCERT: /etc/jes/tls/database-client/tls.crt
JES_DATABASE_SSLKEY: /etc/jes/tls/database-client/tls.key
{{- end }}
{{- end -}}
{{- end -}}

{{/*
The Secrets with TLS material a component mounts under /etc/jes/tls/<name> (read-only,
0440): CAs ("ca.crt") and client certificates ("tls.crt", "tls.key") of Kafka,
PostgreSQL and the mail server. A YAML map name -> Secret name; migrations=true gives
the database's only.
*/}}
{{- define "jes-common.tlsSecrets" -}}
{{- $ctx := .ctx -}}
{{- $g := $ctx.Values.global.jes -}}
{{- $secrets := dict -}}
{{- $database := $ctx.Values.database | default dict -}}
{{- if $database.enabled -}}
{{- with ($database.tls | default dict).caSecret }}{{ $_ := set $secrets "database-ca" . }}{{ end -}}
{{- with ($database.tls | default dict).clientCertSecret }}{{ $_ := set $secrets "database-client" . }}{{ end -}}
{{- end -}}
{{- if not .migrations -}}
{{- if not (include "jes-common.isHttp" $ctx) -}}
{{- with ($g.kafka.tls | default dict).caSecret }}{{ $_ := set $secrets "kafka-ca" . }}{{ end -}}
{{- with ($g.kafka.tls | default dict).clientCertSecret }}{{ $_ := set $secrets "kafka-client" . }}{{ end -}}
{{- end -}}
{{- $mail := $ctx.Values.mail | default dict -}}
{{- if $mail.enabled -}}
{{- with $mail.caSecret }}{{ $_ := set $secrets "mail-ca" . }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if $secrets -}}
{{- toYaml $secrets -}}
{{- end -}}
{{- end -}}

{{- define "jes-common.tlsVolumeMounts" -}}
{{- range $name, $secret := (include "jes-common.tlsSecrets" . | fromYaml) }}
- name: tls-{{ $name }}
  mountPath: /etc/jes/tls/{{ $name }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "jes-common.tlsVolumes" -}}
{{- range $name, $secret := (include "jes-common.tlsSecrets" . | fromYaml) }}
- name: tls-{{ $name }}
  secret:
    secretName: {{ $secret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/*
The portal's settings of identity and the gateway (issue 10), as ConfigMap data (YAML
map): the password policy, the session idle timeout, certificate login (the trusted CAs'
folder, the CRL refresh, the HiPKI component's address browsers use) and the single
sign-on providers (their client secrets come from Secrets: jes-common.secretEnv).
*/}}
{{- define "jes-common.portalConfig" -}}
{{- $data := dict -}}
{{- with .Values.passwordPolicy -}}
{{- if not (has . (list "asvs-l2" "seed")) -}}
{{- fail (printf "passwordPolicy: %q is not asvs-l2 or seed" .) -}}
{{- end -}}
{{- $_ := set $data "JES_PASSWORD_POLICY" . -}}
{{- end -}}
{{- with (.Values.sessions | default dict).idleSeconds -}}
{{- if or (lt (int .) 120) (gt (int .) 43200) -}}
{{- fail "sessions.idleSeconds must be 120 to 43200 (the absolute lifetime is 12 hours)" -}}
{{- end -}}
{{- $_ := set $data "JES_SESSION_IDLE_SECONDS" (toString (int .)) -}}
{{- end -}}
{{- $certs := .Values.certificateLogin | default dict -}}
{{- if $certs.enabled -}}
{{- $_ := set $data "JES_CERT_TRUST_DIR" $certs.mountPath -}}
{{- $_ := set $data "JES_CERT_CRL_REFRESH_SECONDS" (toString (int $certs.crlRefreshSeconds)) -}}
{{- end -}}
{{- with $certs.hipkiUrl -}}
{{- $_ := set $data "JES_HIPKI_URL" . -}}
{{- end -}}
{{- $providers := (.Values.singleSignOn | default dict).providers | default list -}}
{{- $names := list -}}
{{- range $providers -}}
{{- $name := required "singleSignOn.providers[].name is required" .name -}}
{{- $prefix := printf "JES_SSO_%s_" (upper $name) -}}
{{- $names = append $names $name -}}
{{- $_ := set $data (print $prefix "ISSUER") (required (printf "singleSignOn.providers[%s].issuer is required" $name) .issuer) -}}
{{- $_ := set $data (print $prefix "CLIENT_ID") (required (printf "singleSignOn.providers[%s].clientId is required" $name) .clientId) -}}
{{- $_ := set $data (print $prefix "ROLE") (required (printf "singleSignOn.providers[%s].role (judge or prosecutor) is required" $name) .role) -}}
{{- with .label -}}
{{- $_ := set $data (print $prefix "LABEL") . -}}
{{- end -}}
{{- end -}}
{{- with $names -}}
{{- $_ := set $data "JES_SSO_PROVIDERS" (join "," .) -}}
{{- end -}}
{{- if $data -}}
{{- toYaml $data -}}
{{- end -}}
{{- end -}}

{{/*
Certificate login's trusted CAs (identity): the roots and the issuing CAs, each from a
ConfigMap or an existing Secret, mounted as <mountPath>/roots and <mountPath>/issuers
(what JES_CERT_TRUST_DIR holds). Called with the chart's context; "mounts" or "volumes".
*/}}
{{- define "jes-common.certTrust" -}}
{{- $certs := .ctx.Values.certificateLogin | default dict -}}
{{- if $certs.enabled -}}
{{- range $part := list "roots" "issuers" -}}
{{- $source := get $certs $part | default dict -}}
{{- if eq $.what "mounts" }}
- name: cert-trust-{{ $part }}
  mountPath: {{ printf "%s/%s" $certs.mountPath $part }}
  readOnly: true
{{- else if $source.existingSecret }}
- name: cert-trust-{{ $part }}
  secret:
    secretName: {{ $source.existingSecret }}
{{- else }}
- name: cert-trust-{{ $part }}
  configMap:
    name: {{ required (printf "certificateLogin.%s.configMap or .existingSecret is required with certificateLogin.enabled" $part) $source.configMap }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
