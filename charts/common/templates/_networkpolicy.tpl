{{/*
NetworkPolicy (ingress only). A gRPC service accepts gRPC only from the JES components
that call it (networkPolicy.allowedCallers, pods labelled app.kubernetes.io/name=<caller>
and app.kubernetes.io/part-of=jes in the same namespace) and from the extra peers in
networkPolicy.extraFrom (e.g. court systems for case-sync). The gateway accepts HTTP from
networkPolicy.extraFrom (the ingress controller). The metrics port of every component
only from Prometheus (global.jes.networkPolicy.metricsFrom): the gateway's /metrics is
on that port, never on the HTTP port the Ingress carries.
Kubelet probes are not subject to NetworkPolicies.
*/}}
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
{{- end -}}
{{- end -}}
