{{/*
Images: [registry/]repository(:tag|@digest).
  registry   = image.registry   or global.jes.image.registry
  repository = image.repository or "<global.jes.image.repositoryPrefix>/<chart name>"
  tag        = image.tag        or global.jes.image.tag or the chart's appVersion
  digest     = image.digest (wins over the tag)
*/}}
{{- define "jes-common.image" -}}
{{- $global := ((.Values.global | default dict).jes | default dict).image | default dict -}}
{{- $image := .Values.image | default dict -}}
{{- $registry := default $global.registry $image.registry -}}
{{- $repository := $image.repository -}}
{{- if not $repository -}}
{{- $repository = printf "%s/%s" (default "jes" $global.repositoryPrefix) .Chart.Name -}}
{{- end -}}
{{- $name := ternary (printf "%s/%s" $registry $repository) $repository (ne (toString $registry) "") -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $name $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $name (toString (default (default .Chart.AppVersion $global.tag) $image.tag)) -}}
{{- end -}}
{{- end -}}

{{- define "jes-common.imagePullPolicy" -}}
{{- $global := ((.Values.global | default dict).jes | default dict).image | default dict -}}
{{- default (default "IfNotPresent" $global.pullPolicy) (.Values.image | default dict).pullPolicy -}}
{{- end -}}

{{/* imagePullSecrets from global.jes.image.pullSecrets and image.pullSecrets */}}
{{- define "jes-common.imagePullSecrets" -}}
{{- $global := ((.Values.global | default dict).jes | default dict).image | default dict -}}
{{- $secrets := concat ($global.pullSecrets | default list) ((.Values.image | default dict).pullSecrets | default list) | uniq -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
