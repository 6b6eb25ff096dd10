{{- define "vendored.greeting" -}}from-the-vendored-copy{{- end -}}
