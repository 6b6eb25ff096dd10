// docker buildx bake            -> rockoon-go:dev for the local platform
// docker buildx bake release    -> multi-platform, tagged with VERSION
variable "VERSION" {
  default = "dev"
}

variable "REGISTRY" {
  default = ""
}

variable "CHARTS_DIR" {
  default = "../shared/charts"
}

group "default" {
  targets = ["rockoon"]
}

target "rockoon" {
  context    = "."
  dockerfile = "Dockerfile"
  contexts = {
    charts = CHARTS_DIR
  }
  args = {
    VERSION = VERSION
  }
  tags = ["${REGISTRY}rockoon-go:${VERSION}"]
}

target "release" {
  inherits  = ["rockoon"]
  platforms = ["linux/amd64", "linux/arm64"]
}
