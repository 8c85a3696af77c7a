"""What OpenShift and the ODH dashboard do with an ImageStream, reproduced for tests from their sources.

- ``image_stream_errors``: strict validation of an ``image.openshift.io/v1`` ImageStream. The spec
  schema follows openshift/api ``image/v1/types.go`` (commit 2a3d73913: ImageStream line 233,
  ImageStreamSpec 249, ImageLookupPolicy 264, TagReference 274, TagImportPolicy 303, ImportModeType
  313, TagReferencePolicyType 329, TagReferencePolicy 344; TagReference.from is a core
  ObjectReference); unknown fields are errors, as kubernetes-validate's strict mode makes them for
  built-in kinds. ``metadata`` is checked as the ObjectMeta it is, against the upstream Kubernetes
  schema (kubernetes-validate).
- ``imported``: the ImageStream as OpenShift's image import leaves it: ``status.tags`` lists each
  ``spec.tags`` entry pulled from a DockerImage (TagEvent ``dockerImageReference``).
- ``dashboard_workbench_images``: the images the ODH dashboard offers when a workbench is created
  (opendatahub-io/odh-dashboard b9d09633b0): ImageStreams of the dashboard's namespace labelled
  ``opendatahub.io/notebook-image=true`` (frontend/src/pages/projects/screens/spawner/imageSelector/
  ImageSelectorField.tsx line 34, frontend/src/utilities/useImageStreams.ts lines 19-20), with the
  ``spec.tags`` that are in ``status.tags`` and not annotated outdated (spawnerUtils.ts
  getExistingVersionsForImageStream, lines 203-211, checkVersionExistence lines 286-292), named
  by the ``opendatahub.io/notebook-image-name`` annotation (const.ts IMAGE_ANNOTATIONS).
"""

import jsonschema

from tests.support.schema import schema_errors

_STRING = {"type": "string"}
_OBJECT_REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "properties": dict((key, _STRING) for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")),
}
_TAG_REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "annotations": {"type": ["object", "null"], "additionalProperties": _STRING},
        "from": _OBJECT_REFERENCE,
        "reference": {"type": "boolean"},
        "generation": {"type": ["integer", "null"]},
        "importPolicy": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "insecure": {"type": "boolean"},
                "scheduled": {"type": "boolean"},
                "importMode": {"enum": ["Legacy", "PreserveOriginal"]},
            },
        },
        "referencePolicy": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {"type": {"enum": ["Source", "Local"]}},
        },
    },
}
IMAGE_STREAM_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"const": "image.openshift.io/v1"},
        "kind": {"const": "ImageStream"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "lookupPolicy": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["local"],
                    "properties": {"local": {"type": "boolean"}},
                },
                "dockerImageRepository": _STRING,
                "tags": {"type": "array", "items": _TAG_REFERENCE},
            },
        },
        "status": {"type": "object"},
    },
}
NOTEBOOK_IMAGE_LABEL = "opendatahub.io/notebook-image"
DISPLAY_NAME_ANNOTATION = "opendatahub.io/notebook-image-name"
OUTDATED_ANNOTATION = "opendatahub.io/image-tag-outdated"


def image_stream_errors(manifest):
    """Empty when the ImageStream validates strictly, else the error text."""
    errors = sorted(jsonschema.Draft7Validator(IMAGE_STREAM_SCHEMA).iter_errors(manifest), key=lambda error: list(error.path))
    messages = ["%s: %s" % ("/".join(str(part) for part in error.path), error.message) for error in errors]
    metadata = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": manifest.get("metadata") or {}}
    meta_errors = schema_errors(metadata)
    if meta_errors:
        messages.append("metadata: " + meta_errors)
    return "\n".join(messages)


def imported(image_stream):
    """The ImageStream after OpenShift imported its DockerImage tags."""
    result = dict(image_stream)
    result["status"] = {
        "dockerImageRepository": "",
        "tags": [
            {"tag": tag["name"], "items": [{"dockerImageReference": tag["from"]["name"], "generation": 1}]}
            for tag in image_stream["spec"].get("tags", [])
            if (tag.get("from") or {}).get("kind") == "DockerImage"
        ],
    }
    return result


def dashboard_workbench_images(image_streams, dashboard_namespace):
    """[(display name, tag names)] the dashboard offers for a new workbench."""
    offered = []
    for stream in image_streams:
        metadata = stream["metadata"]
        if metadata.get("namespace") != dashboard_namespace or (metadata.get("labels") or {}).get(NOTEBOOK_IMAGE_LABEL) != "true":
            continue
        in_status = set(tag["tag"] for tag in (stream.get("status") or {}).get("tags") or [])
        tags = [
            tag["name"]
            for tag in stream["spec"].get("tags") or []
            if tag["name"] in in_status and not (tag.get("annotations") or {}).get(OUTDATED_ANNOTATION)
        ]
        if tags:
            offered.append(((metadata.get("annotations") or {}).get(DISPLAY_NAME_ANNOTATION, metadata["name"]), tags))
    return offered


def _structural(schema):
    """IMAGE_STREAM_SCHEMA as a CRD's structural openAPIV3Schema (unknown fields pruned, not refused)."""
    if not isinstance(schema, dict):
        return schema
    result = {}
    for key, value in schema.items():
        if key == "additionalProperties" and value is False:
            continue
        if key == "const":
            result["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            result["type"] = [item for item in value if item != "null"][0]
            result["nullable"] = True
        elif key in ("properties",):
            result[key] = dict((name, _structural(item)) for name, item in value.items())
        else:
            result[key] = _structural(value)
    return result


def image_stream_crd():
    """A CustomResourceDefinition that makes the test API emulator serve ImageStreams.

    OpenShift serves them from its own API server, not as a CRD; the emulator only needs the
    group, version, kind and schema to store them as OpenShift would.
    """
    schema = _structural(IMAGE_STREAM_SCHEMA)
    schema["properties"]["metadata"] = {"type": "object"}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "imagestreams.image.openshift.io"},
        "spec": {
            "group": "image.openshift.io",
            "names": {"kind": "ImageStream", "listKind": "ImageStreamList", "plural": "imagestreams", "singular": "imagestream", "shortNames": ["is"]},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}],
        },
    }
