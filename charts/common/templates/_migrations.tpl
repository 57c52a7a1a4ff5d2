{{/*
Database migrations as a Helm hook: a Job runs the component's Alembic migrations to
the newest revision before install and before every upgrade, so the new pods start on
a migrated database and replicas never race to migrate (the services still check at
start, which is then a no-op).

Hooks run before the release's own objects exist, so the Job
  * reads JES_DATABASE_URL from database.existingSecret, or from a hook Secret
    "<fullname>-migrations" made just before it (and deleted after success);
  * runs as migrations.serviceAccountName (default: the namespace's "default"
    ServiceAccount, without a token), not as the chart's ServiceAccount.
*/}}
{{- define "jes-common.migrations" -}}
{{- $database := .Values.database | default dict -}}
{{- if and $database.enabled .Values.migrations.enabled -}}
{{- $fullname := include "jes-common.fullname" . -}}
{{- if not $database.existingSecret }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ $fullname }}-migrations
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    app.kubernetes.io/component: migrations
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
type: Opaque
data:
  database-url: {{ required "database.url (or database.existingSecret) is required" $database.url | b64enc | quote }}
---
{{- end }}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $fullname }}-migrations
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "jes-common.labels" . | nindent 4 }}
    app.kubernetes.io/component: migrations
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "jes-common.labels" . | nindent 8 }}
        app.kubernetes.io/component: migrations
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ .Values.migrations.serviceAccountName | default "default" }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with (include "jes-common.imagePullSecrets" . | trim) }}{{ . | nindent 6 }}{{- end }}
      {{- with (include "jes-common.podSecurityContext" . | trim) }}{{ . | nindent 6 }}{{- end }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrations
          image: {{ include "jes-common.image" . }}
          imagePullPolicy: {{ include "jes-common.imagePullPolicy" . }}
          command:
            - python
            - -c
            - |-
              import os
              from jes_config import database_url_with_tls
              from jes_db import run_migrations
              from {{ include "jes-common.module" . }}.app import MIGRATIONS
              run_migrations(database_url_with_tls(os.environ["JES_DATABASE_URL"]), MIGRATIONS)
              print("{{ .Chart.Name }}: database migrated")
          env:
            - name: JES_DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ default (printf "%s-migrations" $fullname) $database.existingSecret }}
                  key: {{ ternary $database.existingSecretKey "database-url" (ne ($database.existingSecret | default "") "") }}
            - name: JES_DATA_DIR
              value: /tmp/jes
            {{- range $name, $value := (include "jes-common.databaseTlsConfig" . | fromYaml) }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
          resources:
            {{- toYaml .Values.migrations.resources | nindent 12 }}
          {{- with (include "jes-common.containerSecurityContext" . | trim) }}{{ . | nindent 10 }}{{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- include "jes-common.tlsVolumeMounts" (dict "ctx" . "migrations" true) | nindent 12 }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- include "jes-common.tlsVolumes" (dict "ctx" . "migrations" true) | nindent 8 }}
{{- end -}}
{{- end -}}
