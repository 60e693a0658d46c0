{{/* Names, labels and the pieces every service's Deployment shares. */}}

{{- define "profilehub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The object name of one service: <release>-profilehub-<service>. */}}
{{- define "profilehub.serviceName" -}}
{{- printf "%s-%s" (include "profilehub.fullname" .root) .service -}}
{{- end -}}

{{- define "profilehub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "profilehub.selectorLabels" . }}
{{- end -}}

{{/* A service's pods: this release's, of that component. */}}
{{- define "profilehub.selectorLabels" -}}
app.kubernetes.io/name: profilehub
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "profilehub.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "profilehub.configName" -}}
{{- printf "%s-config" (include "profilehub.fullname" .) -}}
{{- end -}}

{{/* The Secret holding the admin token: the operator's own, or the one this chart makes from adminToken.value. */}}
{{- define "profilehub.adminSecretName" -}}
{{- if .Values.adminToken.existingSecret -}}
{{- .Values.adminToken.existingSecret -}}
{{- else if .Values.adminToken.value -}}
{{- printf "%s-admin" (include "profilehub.fullname" .) -}}
{{- else -}}
{{- fail "adminToken: set adminToken.existingSecret (a Secret with the key adminToken.key) or adminToken.value (at least 16 characters); the API has no default admin token" -}}
{{- end -}}
{{- end -}}

{{/* The command of a service: the same as docker-compose.yml's (tests/unit/test_helm_chart.py compares them). */}}
{{- define "profilehub.args" -}}
{{- if eq . "gateway" -}}
["python", "-m", "gateway_service"]
{{- else -}}
["faststream", "run", "{{ . }}_service.app:create_app", "--factory"]
{{- end -}}
{{- end -}}
