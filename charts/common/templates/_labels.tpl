{{/*
Labels: the Kubernetes recommended app.kubernetes.io/* set.
NetworkPolicies find callers by app.kubernetes.io/name + app.kubernetes.io/part-of=jes.
*/}}

{{/* Labels on every object. Call with the chart context. */}}
{{- define "jes-common.labels" -}}
helm.sh/chart: {{ include "jes-common.chart" . }}
{{ include "jes-common.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jes
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels a selector matches (immutable once installed). */}}
{{- define "jes-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jes-common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of a component's server pods. */}}
{{- define "jes-common.podLabels" -}}
{{ include "jes-common.labels" . }}
app.kubernetes.io/component: server
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector of the server pods. */}}
{{- define "jes-common.serverSelectorLabels" -}}
{{ include "jes-common.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end -}}
