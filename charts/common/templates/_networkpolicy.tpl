{{/*
NetworkPolicy. A gRPC service accepts gRPC only from the JES components
that call it (networkPolicy.allowedCallers, pods labelled app.kubernetes.io/name=<caller>
and app.kubernetes.io/part-of=jes in the same namespace) and from the extra peers in
networkPolicy.extraFrom (e.g. court systems for case-sync). The gateway accepts HTTP from
networkPolicy.extraFrom (the ingress controller). The metrics port of every component
only from Prometheus (global.jes.networkPolicy.metricsFrom): the gateway's /metrics is
on that port, never on the HTTP port the Ingress carries.
Egress (global.jes.networkPolicy.restrictEgress): DNS; gRPC to the JES services the
module calls (networkPolicy.allowedCallees, the registry's calls; make k8s-validate
checks them); and, where the chart uses them, the bus (the gRPC services), the object
store, the database and SMTP (notification), each to global.jes.networkPolicy.egress
peers and ports. Nothing else: report-render, for one, can reach no web address.
Kubelet probes are not subject to NetworkPolicies.
*/}}

{{/* One egress rule: {to: [peers], ports: [...]}; no "to" = any address on the ports. */}}
{{- define "jes-common.egressRule" -}}
{{- $rule := dict "ports" .ports -}}
{{- with .to -}}
{{- $_ := set $rule "to" . -}}
{{- end -}}
{{- list $rule | toYaml -}}
{{- end -}}
{{- define "jes-common.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled -}}
{{- $g := .Values.global.jes -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "jes-common.serverSelectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $g.networkPolicy.restrictEgress }}
    - Egress
    {{- end }}
  ingress:
    {{- if include "jes-common.isHttp" . }}
    {{- if .Values.networkPolicy.allowExternal }}
    - ports:
        - port: http
          protocol: TCP
    {{- else if .Values.networkPolicy.extraFrom }}
    - from:
        {{- toYaml .Values.networkPolicy.extraFrom | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- else }}
    {{- if or .Values.networkPolicy.allowedCallers .Values.networkPolicy.extraFrom }}
    - from:
        {{- range .Values.networkPolicy.allowedCallers }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/part-of: jes
        {{- end }}
        {{- with .Values.networkPolicy.extraFrom }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - port: grpc
          protocol: TCP
    {{- end }}
    {{- end }}
    {{- with $g.networkPolicy.metricsFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: metrics
          protocol: TCP
    {{- end }}
  {{- if $g.networkPolicy.restrictEgress }}
  {{- $egress := $g.networkPolicy.egress }}
  egress:
    {{- include "jes-common.egressRule" $egress.dns | nindent 4 }}
    {{- with .Values.networkPolicy.allowedCallees }}
    - to:
        {{- range . }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/part-of: jes
        {{- end }}
      ports:
        - port: grpc
          protocol: TCP
    {{- end }}
    {{- if not (include "jes-common.isHttp" .) }}
    {{- include "jes-common.egressRule" $egress.kafka | nindent 4 }}
    {{- end }}
    {{- if (.Values.objectStore | default dict).enabled }}
    {{- include "jes-common.egressRule" $egress.objectStore | nindent 4 }}
    {{- end }}
    {{- if (.Values.database | default dict).enabled }}
    {{- include "jes-common.egressRule" $egress.database | nindent 4 }}
    {{- end }}
    {{- if (.Values.mail | default dict).enabled }}
    {{- include "jes-common.egressRule" $egress.smtp | nindent 4 }}
    {{- end }}
    {{- with .Values.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
{{- end -}}
{{- end -}}
