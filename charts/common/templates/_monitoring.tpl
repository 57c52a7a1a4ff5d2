{{/*
Monitoring: ServiceMonitor, PrometheusRule (Prometheus Operator) and the Grafana
dashboard ConfigMap (picked up by the Grafana sidecar through its label).
*/}}

{{/*
ServiceMonitor. honorLabels keeps the services' own `service` label (identity, ...)
instead of the target's Kubernetes Service name: the dashboards and alerts select on it.
*/}}
{{- define "jes-common.servicemonitor" -}}
{{- if .Values.serviceMonitor.enabled -}}
{{- $g := .Values.global.jes -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    {{- with $g.monitoring.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  namespaceSelector:
    matchNames:
      - {{ .Release.Namespace }}
  selector:
    matchLabels:
      {{- include "jes-common.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ .Values.serviceMonitor.interval }}
      scrapeTimeout: {{ .Values.serviceMonitor.scrapeTimeout }}
      honorLabels: true
{{- end -}}
{{- end -}}

{{/* The label matchers every alert uses: this release's namespace and service. */}}
{{- define "jes-common.alertSelector" -}}
namespace="{{ .Release.Namespace }}", service="{{ .Chart.Name }}"
{{- end -}}

{{- define "jes-common.runbookUrl" -}}
{{- printf "%s#%s" (trimSuffix "#" .ctx.Values.global.jes.monitoring.runbookBaseUrl) (lower .alert) -}}
{{- end -}}

{{/*
PrometheusRule: the alerts of one component. Every alert has a runbook in
docs/operations.md (anchor = lower-case alert name).
*/}}
{{- define "jes-common.prometheusrule" -}}
{{- if .Values.prometheusRule.enabled -}}
{{- $g := .Values.global.jes -}}
{{- $rules := .Values.prometheusRule -}}
{{- $sel := include "jes-common.alertSelector" . -}}
{{- $ns := .Release.Namespace -}}
{{- $svc := .Chart.Name -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    {{- with $g.monitoring.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  groups:
    - name: jes-{{ $svc }}
      rules:
        {{- with $rules.grpcErrorRate }}
        {{- if .enabled }}
        - alert: JesGrpcErrorRateHigh
          expr: |-
            (
              sum(rate(jes_grpc_server_requests_total{ {{- $sel }}, code=~"{{ .codes }}"}[5m]))
            /
              sum(rate(jes_grpc_server_requests_total{ {{- $sel }}}[5m]))
            ) > {{ .threshold }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              {{ $svc }} answers too many gRPC calls with a server error
            description: >-
              {{`{{ $value | humanizePercentage }}`}} of the gRPC calls of {{ $svc }} in {{ $ns }} failed with {{ .codes }} over 5 minutes (threshold {{ .threshold }}).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesGrpcErrorRateHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.grpcLatency }}
        {{- if .enabled }}
        - alert: JesGrpcLatencyHigh
          expr: |-
            histogram_quantile({{ .quantile }},
              sum by (le) (rate(jes_grpc_server_request_duration_seconds_bucket{ {{- $sel }}{{ with .excludeMethods }}, method!~"{{ . }}"{{ end }}}[5m]))
            ) > {{ .thresholdSeconds }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              {{ $svc }} answers gRPC calls slowly
            description: >-
              The {{ .quantile }} quantile of the gRPC call time of {{ $svc }} in {{ $ns }} is {{`{{ $value | humanizeDuration }}`}} (threshold {{ .thresholdSeconds }}s).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesGrpcLatencyHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.outboxBacklog }}
        {{- if .enabled }}
        - alert: JesOutboxBacklogHigh
          expr: |-
            max(jes_outbox_backlog{ {{- $sel }}}) > {{ .threshold }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              {{ $svc }} cannot publish its events
            description: >-
              {{`{{ $value }}`}} events of {{ $svc }} in {{ $ns }} wait in the outbox (threshold {{ .threshold }}).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesOutboxBacklogHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.consumerLag }}
        {{- if .enabled }}
        - alert: JesConsumerLagHigh
          expr: |-
            max by (topic) (jes_consumer_lag{ {{- $sel }}}) > {{ .threshold }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              {{ $svc }} falls behind on {{`{{ $labels.topic }}`}}
            description: >-
              {{ $svc }} in {{ $ns }} has {{`{{ $value }}`}} unprocessed events on {{`{{ $labels.topic }}`}} (threshold {{ .threshold }}).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesConsumerLagHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.deadLetters }}
        {{- if .enabled }}
        - alert: JesDeadLetters
          expr: |-
            sum by (topic) (increase(jes_dead_letters_total{ {{- $sel }}}[{{ .window }}])) > 0
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              {{ $svc }} moved events to the dead-letter topic
            description: >-
              {{ $svc }} in {{ $ns }} gave up on {{`{{ $value | humanize }}`}} events of {{`{{ $labels.topic }}`}} in the last {{ .window }}; they wait in {{`{{ $labels.topic }}`}}.dlq.
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesDeadLetters") }}
        {{- end }}
        {{- end }}
        {{- with $rules.emailsFailed }}
        {{- if .enabled }}
        - alert: JesEmailsFailing
          expr: |-
            sum by (template) (increase(jes_emails_failed_total{namespace="{{ $ns }}"}[{{ .window }}])) > 0
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              E-mails of template {{`{{ $labels.template }}`}} fail
            description: >-
              {{`{{ $value | humanize }}`}} e-mails of template {{`{{ $labels.template }}`}} in {{ $ns }} failed for good in the last {{ .window }}.
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesEmailsFailing") }}
        {{- end }}
        {{- end }}
        {{- with $rules.httpErrorRate }}
        {{- if .enabled }}
        - alert: JesHttpErrorRateHigh
          expr: |-
            (
              sum(rate(jes_http_requests_total{namespace="{{ $ns }}", status=~"5.."}[5m]))
            /
              sum(rate(jes_http_requests_total{namespace="{{ $ns }}"}[5m]))
            ) > {{ .threshold }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              The gateway answers too many requests with 5xx
            description: >-
              {{`{{ $value | humanizePercentage }}`}} of the HTTP requests to the gateway in {{ $ns }} failed with a 5xx status over 5 minutes (threshold {{ .threshold }}).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesHttpErrorRateHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.httpLatency }}
        {{- if .enabled }}
        - alert: JesHttpLatencyHigh
          expr: |-
            histogram_quantile({{ .quantile }},
              sum by (le) (rate(jes_http_request_duration_seconds_bucket{namespace="{{ $ns }}"{{ with .excludeEndpoints }}, endpoint!~"{{ . }}"{{ end }}}[5m]))
            ) > {{ .thresholdSeconds }}
          for: {{ .for }}
          labels:
            severity: {{ .severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              The gateway answers slowly
            description: >-
              The {{ .quantile }} quantile of the HTTP request time of the gateway in {{ $ns }} is {{`{{ $value | humanizeDuration }}`}} (threshold {{ .thresholdSeconds }}s).
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesHttpLatencyHigh") }}
        {{- end }}
        {{- end }}
        {{- with $rules.tokenKeyExpiry }}
        {{- if .enabled }}
        {{- range list (list "warning" .warningDays) (list "critical" .criticalDays) }}
        {{- $severity := index . 0 }}
        {{- $days := index . 1 }}
        - alert: JesTokenKeyExpiringSoon
          expr: |-
            (
              min(max without (kid) (jes_token_signing_key_expiry_timestamp_seconds{namespace="{{ $ns }}"}))
            -
              time()
            ) / 86400 < {{ $days }}
          for: {{ $rules.tokenKeyExpiry.for }}
          labels:
            severity: {{ $severity }}
            service: {{ $svc }}
          annotations:
            summary: >-
              identity's token signing key expires within {{ $days }} days
            description: >-
              The newest token signing key of identity in {{ $ns }} reaches the end of its lifetime in {{`{{ printf "%.1f" $value }}`}} days (threshold {{ $days }}). Rotate it: identity does not start without a current key.
            runbook_url: {{ include "jes-common.runbookUrl" (dict "ctx" $ "alert" "JesTokenKeyExpiringSoon") }}
        {{- end }}
        {{- end }}
        {{- end }}
        {{- with $rules.extraRules }}
        {{- tpl (toYaml .) $ | nindent 8 }}
        {{- end }}
{{- end -}}
{{- end -}}

{{/* Grafana dashboard ConfigMap: dashboards/<chart>.json of the chart. */}}
{{- define "jes-common.dashboard" -}}
{{- if .Values.dashboard.enabled -}}
{{- $g := .Values.global.jes -}}
{{- $file := printf "dashboards/%s.json" .Chart.Name -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "jes-common.fullname" . }}-dashboard
  namespace: {{ default .Release.Namespace $g.dashboards.namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    {{- with $g.dashboards.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $g.dashboards.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  jes-{{ .Chart.Name }}.json: |-
    {{- required (printf "%s is missing from the chart" $file) (.Files.Get $file) | nindent 4 }}
{{- end -}}
{{- end -}}
