{{/* Names: 63 characters at most, as Kubernetes requires. */}}
{{- define "pyk8s-lab.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pyk8s-lab.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "pyk8s-lab.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "pyk8s-lab.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pyk8s-lab.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pyk8s-lab.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels. Call with (dict "ctx" $ "component" "web"). */}}
{{- define "pyk8s-lab.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pyk8s-lab.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pyk8s-lab.labels" -}}
{{ include "pyk8s-lab.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end -}}

{{- define "pyk8s-lab.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "pyk8s-lab.appSecretName" -}}
{{- default (include "pyk8s-lab.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
A secret value that is generated once and then kept: an explicit value wins, else the value
already stored in the live Secret (on upgrade), else a fresh one. Returns it base64-encoded.
Call with (dict "ctx" $ "secret" NAME "key" KEY "value" EXPLICIT "generated" FRESH).
*/}}
{{- define "pyk8s-lab.keptSecretValue" -}}
{{- $live := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- $stored := dig "data" .key "" ($live | default dict) -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else if $stored -}}
{{- $stored -}}
{{- else -}}
{{- .generated | b64enc -}}
{{- end -}}
{{- end -}}

{{/* The chart stops with a message saying what to set, rather than deploy a broken release. */}}
{{- define "pyk8s-lab.validate" -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.secrets.existingSecret) -}}
{{- fail "postgresql.enabled is false: set externalDatabase.url (postgres://USER:PASSWORD@HOST:5432/NAME) or put DATABASE_URL in secrets.existingSecret." -}}
{{- end -}}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.url) (not .Values.secrets.existingSecret) -}}
{{- fail "redis.enabled is false: set externalRedis.url (redis://:PASSWORD@HOST:6379/0) or put REDIS_URL in secrets.existingSecret." -}}
{{- end -}}
{{- if and .Values.secrets.existingSecret (or .Values.externalDatabase.url .Values.externalRedis.url .Values.secrets.secretKey .Values.secrets.jwtSigningKey .Values.secrets.encryptionKeys) -}}
{{- fail "secrets.existingSecret is set: put SECRET_KEY, PYK8S_JWT_SIGNING_KEY, PYK8S_ENCRYPTION_KEYS, DATABASE_URL and REDIS_URL in that Secret, not in values." -}}
{{- end -}}
{{- range $store := list "postgresql" "redis" -}}
{{- $password := toString (index $.Values $store "auth" "password") -}}
{{- if and $password (not (regexMatch "^[A-Za-z0-9]+$" $password)) -}}
{{- fail (printf "%s.auth.password may hold letters and digits only: it is placed in a connection URL." $store) -}}
{{- end -}}
{{- end -}}
{{- if not (has .Values.config.registration (list "open" "invite" "approval" "closed")) -}}
{{- fail (printf "config.registration must be open, invite, approval or closed, not %q." (toString .Values.config.registration)) -}}
{{- end -}}
{{- if not .Values.worker.pools -}}
{{- fail "worker.pools is empty: at least one worker pool must drive a Docker engine, or no cluster can ever be created." -}}
{{- end -}}
{{- $names := list -}}
{{- range .Values.worker.pools -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$" (toString .name)) -}}
{{- fail (printf "worker.pools: pool name %q must be 1-32 lowercase letters, digits or '-'." (toString .name)) -}}
{{- end -}}
{{- if has .name $names -}}
{{- fail (printf "worker.pools: pool name %q is used twice; each pool needs its own name." .name) -}}
{{- end -}}
{{- $names = append $names .name -}}
{{- if and (not .dockerHost) (gt (int (default 1 .replicas)) 1) -}}
{{- fail (printf "worker.pools[%s]: a docker-in-docker pool runs one replica (each replica would be a separate Docker engine whose clusters the others cannot see). Add pools instead." .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS from the values and the ingress hosts. */}}
{{- define "pyk8s-lab.allowedHosts" -}}
{{- $hosts := concat (list "$(POD_IP)") .Values.config.allowedHosts -}}
{{- if .Values.ingress.enabled -}}
{{- $hosts = concat $hosts .Values.ingress.hosts -}}
{{- end -}}
{{- $hosts | uniq | join "," -}}
{{- end -}}

{{- define "pyk8s-lab.csrfTrustedOrigins" -}}
{{- $origins := .Values.config.csrfTrustedOrigins -}}
{{- if .Values.ingress.enabled -}}
{{- $scheme := ternary "https" "http" .Values.config.behindTlsProxy -}}
{{- range .Values.ingress.hosts -}}
{{- $origins = append $origins (printf "%s://%s" $scheme .) -}}
{{- end -}}
{{- end -}}
{{- $origins | uniq | join "," -}}
{{- end -}}

{{/*
Environment shared by web, beat and the migrate job: the keys that sign sessions and tokens,
then everything the worker gets too.
*/}}
{{- define "pyk8s-lab.env" -}}
- name: SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.appSecretName" . }}
      key: SECRET_KEY
- name: PYK8S_JWT_SIGNING_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.appSecretName" . }}
      key: PYK8S_JWT_SIGNING_KEY
{{ include "pyk8s-lab.workerEnv" . }}
{{- end -}}

{{/*
What the worker, which runs kind on a host every cluster owner can reach as root, needs and
no more: the encryption keys for kubeconfigs and the data store URLs, by reference, and the
ConfigMap. In-chart store passwords are spliced into the URLs by the kubelet ($(VAR)
expansion), so no Secret ever holds a URL the chart had to compute.
*/}}
{{- define "pyk8s-lab.workerEnv" -}}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: ALLOWED_HOSTS
  value: {{ include "pyk8s-lab.allowedHosts" . | quote }}
- name: PYK8S_ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.appSecretName" . }}
      key: PYK8S_ENCRYPTION_KEYS
{{- if .Values.postgresql.enabled }}
- name: PYK8S_POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.fullname" . }}-postgresql
      key: password
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(PYK8S_POSTGRES_PASSWORD)@%s-postgresql:5432/%s" .Values.postgresql.auth.username (include "pyk8s-lab.fullname" .) .Values.postgresql.auth.database | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.appSecretName" . }}
      key: DATABASE_URL
{{- end }}
{{- if .Values.redis.enabled }}
- name: PYK8S_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.fullname" . }}-redis
      key: password
- name: REDIS_URL
  value: {{ printf "redis://:$(PYK8S_REDIS_PASSWORD)@%s-redis:6379/0" (include "pyk8s-lab.fullname" .) | quote }}
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "pyk8s-lab.appSecretName" . }}
      key: REDIS_URL
{{- end }}
{{- end -}}

{{- define "pyk8s-lab.envFrom" -}}
- configMapRef:
    name: {{ include "pyk8s-lab.fullname" . }}
{{- end -}}

{{/* Pod-level settings every application pod shares. */}}
{{- define "pyk8s-lab.podCommon" -}}
serviceAccountName: {{ include "pyk8s-lab.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* nodeSelector and tolerations of one component. Call with the component's values. */}}
{{- define "pyk8s-lab.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Python writes nothing outside /tmp; the root filesystem stays read-only. */}}
{{- define "pyk8s-lab.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- end -}}

{{- define "pyk8s-lab.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}
