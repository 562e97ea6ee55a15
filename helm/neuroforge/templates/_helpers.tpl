{{- define "neuroforge.labels" -}}
app.kubernetes.io/part-of: neuroforge
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{/* Config key for a service name: model-registry -> MODEL_REGISTRY */}}
{{- define "neuroforge.envKey" -}}
{{ . | replace "-" "_" | upper }}
{{- end -}}
