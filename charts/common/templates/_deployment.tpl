{{/*
The component's Deployment. gRPC services listen on containerPorts.grpc (gRPC, mutual TLS
only), containerPorts.health (the health check alone, in plaintext, for the native gRPC
probes: the kubelet has no client certificate) and containerPorts.metrics (Prometheus);
the gateway (protocol: http) on containerPorts.http (pages, API, /healthz, /readyz) and
containerPorts.metrics (/metrics, never through the Ingress). Every component mounts its
certificate (jes-common.tlsSecretName).
*/}}
{{- define "jes-common.deployment" -}}
{{- $http := include "jes-common.isHttp" . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "jes-common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ .Values.revisionHistoryLimit }}
  {{- with .Values.updateStrategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "jes-common.serverSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "jes-common.podLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "jes-common.configmap" . | sha256sum }}
        checksum/secret: {{ include "jes-common.secret" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "jes-common.serviceAccountName" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with (include "jes-common.imagePullSecrets" . | trim) }}{{ . | nindent 6 }}{{- end }}
      {{- with (include "jes-common.podSecurityContext" . | trim) }}{{ . | nindent 6 }}{{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if .Values.affinity }}
      affinity:
        {{- toYaml .Values.affinity | nindent 8 }}
      {{- else if .Values.podAntiAffinityPreset }}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "jes-common.serverSelectorLabels" . | nindent 20 }}
      {{- end }}
      {{- if .Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- range .Values.topologySpreadConstraints }}
        - {{ toYaml (omit . "labelSelector") | nindent 10 | trim }}
          labelSelector:
            matchLabels:
              {{- include "jes-common.serverSelectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      containers:
        - name: {{ include "jes-common.name" . }}
          image: {{ include "jes-common.image" . }}
          imagePullPolicy: {{ include "jes-common.imagePullPolicy" . }}
          {{- with .Values.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            {{- if $http }}
            - name: http
              containerPort: {{ .Values.containerPorts.http }}
              protocol: TCP
            {{- else }}
            - name: grpc
              containerPort: {{ .Values.containerPorts.grpc }}
              protocol: TCP
            - name: health
              containerPort: {{ .Values.containerPorts.health }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ .Values.containerPorts.metrics }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "jes-common.fullname" . }}
          env:
            {{- include "jes-common.secretEnv" . | nindent 12 }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- if $http }}
          {{- with (include "jes-common.probes" (dict "ctx" . "kind" "http" "port" "http") | trim) }}{{ . | nindent 10 }}{{- end }}
          {{- else }}
          {{- with (include "jes-common.probes" (dict "ctx" . "kind" "grpc" "port" .Values.containerPorts.health) | trim) }}{{ . | nindent 10 }}{{- end }}
          {{- end }}
          {{- if .Values.preStopSleepSeconds }}
          lifecycle:
            preStop:
              exec:
                # let endpoints and load balancers forget the pod before it stops listening
                command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          {{- with (include "jes-common.containerSecurityContext" . | trim) }}{{ . | nindent 10 }}{{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: tls
              mountPath: {{ .Values.tls.mountPath }}
              readOnly: true
            {{- if (.Values.tokenKeys | default dict).enabled }}
            - name: token-keys
              mountPath: {{ .Values.tokenKeys.mountPath }}
              readOnly: true
            {{- end }}
            {{- include "jes-common.tlsVolumeMounts" (dict "ctx" .) | nindent 12 }}
            {{- include "jes-common.certTrust" (dict "ctx" . "what" "mounts") | nindent 12 }}
            {{- with .Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            {{- with .Values.tmpVolume.medium }}
            medium: {{ . }}
            {{- end }}
            sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
        - name: tls
          secret:
            secretName: {{ include "jes-common.tlsSecretName" . }}
            defaultMode: 0440
        {{- if (.Values.tokenKeys | default dict).enabled }}
        - name: token-keys
          secret:
            secretName: {{ include "jes-common.tokenKeysSecretName" . }}
            defaultMode: 0440
        {{- end }}
        {{- include "jes-common.tlsVolumes" (dict "ctx" .) | nindent 8 }}
        {{- include "jes-common.certTrust" (dict "ctx" . "what" "volumes") | nindent 8 }}
        {{- with .Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end -}}
