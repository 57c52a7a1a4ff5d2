{{/* Service: gRPC + metrics ports, or the gateway's HTTP port. */}}
{{- define "jes-common.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "jes-common.serverSelectorLabels" . | nindent 4 }}
  ports:
    {{- if include "jes-common.isHttp" . }}
    - name: http
      port: {{ .Values.service.ports.http }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    {{- else }}
    - name: grpc
      port: {{ .Values.service.ports.grpc }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    {{- end }}
    - name: metrics
      port: {{ .Values.service.ports.metrics }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
{{- end -}}

{{/* ServiceAccount: the pods never talk to the Kubernetes API, so no token is mounted. */}}
{{- define "jes-common.serviceaccount" -}}
{{- if .Values.serviceAccount.create -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "jes-common.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
{{- end -}}

{{- define "jes-common.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
data:
  {{- include "jes-common.configData" . | nindent 2 }}
{{- end -}}

{{/* The component's own Secret; left out when every credential is in an existing Secret. */}}
{{- define "jes-common.secret" -}}
{{- $data := include "jes-common.secretData" . | fromYaml -}}
{{- if $data -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
type: Opaque
data:
  {{- range $key, $value := $data }}
  {{ $key }}: {{ $value | toString | b64enc | quote }}
  {{- end }}
{{- end -}}
{{- end -}}

{{- define "jes-common.hpa" -}}
{{- if .Values.autoscaling.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "jes-common.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    {{- with .Values.autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with .Values.autoscaling.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  {{- with .Values.autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{- define "jes-common.pdb" -}}
{{- if .Values.pdb.create -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
spec:
  {{- if .Values.pdb.minAvailable }}
  minAvailable: {{ .Values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .Values.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "jes-common.serverSelectorLabels" . | nindent 6 }}
{{- end -}}
{{- end -}}
