{{/*
Probes. gRPC components use the kubelet's native gRPC probe (grpc.health.v1.Health on the
plaintext health port: the gRPC port requires a client certificate; overall service "");
the gateway uses HTTP GETs.
Call with (dict "probe" .Values.probes.liveness "kind" "grpc" "port" "grpc").
"port" is the port number for gRPC probes (native gRPC probes take no port names) and the
port name for HTTP probes.
*/}}
{{- define "jes-common.probe" -}}
{{- $probe := .probe -}}
{{- if eq .kind "grpc" }}
grpc:
  port: {{ .port }}
  service: {{ $probe.service | default "" | quote }}
{{- else }}
httpGet:
  path: {{ $probe.path }}
  port: {{ .port }}
{{- end }}
{{- with $probe.initialDelaySeconds }}
initialDelaySeconds: {{ . }}
{{- end }}
periodSeconds: {{ $probe.periodSeconds }}
timeoutSeconds: {{ $probe.timeoutSeconds }}
failureThreshold: {{ $probe.failureThreshold }}
successThreshold: {{ $probe.successThreshold | default 1 }}
{{- end -}}

{{/* The three probes of a container. Call with (dict "ctx" $ "kind" "grpc" "port" 50051). */}}
{{- define "jes-common.probes" -}}
{{- $probes := .ctx.Values.probes -}}
{{- if $probes.startup.enabled }}
startupProbe:
  {{- with (include "jes-common.probe" (dict "probe" $probes.startup "kind" .kind "port" .port) | trim) }}{{ . | nindent 2 }}{{- end }}
{{- end }}
{{- if $probes.liveness.enabled }}
livenessProbe:
  {{- with (include "jes-common.probe" (dict "probe" $probes.liveness "kind" .kind "port" .port) | trim) }}{{ . | nindent 2 }}{{- end }}
{{- end }}
{{- if $probes.readiness.enabled }}
readinessProbe:
  {{- with (include "jes-common.probe" (dict "probe" $probes.readiness "kind" .kind "port" .port) | trim) }}{{ . | nindent 2 }}{{- end }}
{{- end }}
{{- end -}}
