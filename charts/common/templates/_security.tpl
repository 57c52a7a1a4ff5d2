{{/*
Security contexts, from the chart's podSecurityContext / containerSecurityContext values.
The defaults every JES chart ships: non-root (uid 10001 of the images), read-only root
file system, no capabilities, no privilege escalation, the runtime's default seccomp
profile. `enabled: false` leaves the context out (only for platforms that set their own).
*/}}

{{- define "jes-common.podSecurityContext" -}}
{{- if .Values.podSecurityContext.enabled }}
securityContext:
  {{- toYaml (omit .Values.podSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "jes-common.containerSecurityContext" -}}
{{- if .Values.containerSecurityContext.enabled }}
securityContext:
  {{- toYaml (omit .Values.containerSecurityContext "enabled") | nindent 2 }}
{{- end }}
{{- end -}}
