{{/*
Names. Every object of one JES component is called "<instance>-<chart name>".
*/}}

{{/* The component name: the chart name (identity, photo-storage, ..., gateway). */}}
{{- define "jes-common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The installation prefix shared by all components: global.jes.instance or the release name. */}}
{{- define "jes-common.instance" -}}
{{- $global := (.Values.global | default dict).jes | default dict -}}
{{- default .Release.Name $global.instance | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The full name of the component's objects. */}}
{{- define "jes-common.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" (include "jes-common.instance" .) (include "jes-common.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* chart label value */}}
{{- define "jes-common.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The ServiceAccount the pods run as. */}}
{{- define "jes-common.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "jes-common.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Where another JES service's gRPC server is: global.jes.addresses.<service>, or
"<instance>-<service>:<global.jes.grpcPort>" (the name the other chart gives its Service).
Call with (dict "ctx" $ "service" "identity").
*/}}
{{- define "jes-common.peerAddress" -}}
{{- $ctx := .ctx -}}
{{- $global := ($ctx.Values.global | default dict).jes | default dict -}}
{{- $addresses := $global.addresses | default dict -}}
{{- $override := get $addresses .service -}}
{{- if $override -}}
{{- $override -}}
{{- else -}}
{{- printf "%s-%s:%d" (include "jes-common.instance" $ctx) .service (int ($global.grpcPort | default 50051)) -}}
{{- end -}}
{{- end -}}

{{/* The environment variable that holds a service's address: identity -> JES_IDENTITY_ADDR */}}
{{- define "jes-common.addrVariable" -}}
{{- printf "JES_%s_ADDR" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/* The Python package of the component: photo-storage -> jes_photo_storage */}}
{{- define "jes-common.module" -}}
{{- printf "jes_%s" (.Chart.Name | replace "-" "_") -}}
{{- end -}}
