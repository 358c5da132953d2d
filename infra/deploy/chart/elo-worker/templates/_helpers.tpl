{{/* Names and labels shared by every template. */}}

{{- define "elo-worker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "elo-worker.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one pool; call with (dict "root" $ "pool" "cpu"). */}}
{{- define "elo-worker.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .pool }}-worker
{{- end -}}

{{- define "elo-worker.serviceAccountName" -}}
{{- default (include "elo-worker.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* The image of a pool: repository:tag-kind, or repository@digest when a digest is set. */}}
{{- define "elo-worker.image" -}}
{{- $digest := index .root.Values.image.digests .pool -}}
{{- if $digest -}}
{{- printf "%s@%s" .root.Values.image.repository $digest -}}
{{- else -}}
{{- printf "%s:%s-%s" .root.Values.image.repository (default .root.Chart.AppVersion .root.Values.image.tag) .pool -}}
{{- end -}}
{{- end -}}

{{/* Seconds a pod gets after SIGTERM: the shutdown grace, one checkpoint, and a margin. */}}
{{- define "elo-worker.terminationGrace" -}}
{{- add .shutdownGraceSeconds .checkpointSeconds 30 -}}
{{- end -}}
