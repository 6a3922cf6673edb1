"""The file API's OpenAPI document, merged into the core's (`core_service.openapi`).

Generated: do not edit. Regenerate with `python -m core_service.openapi --update`
(it runs `python -m file_lambda.openapi`); a test fails when this copy is stale.
"""

# ruff: noqa: E501

DOCUMENT = r"""{
  "components": {
    "schemas": {
      "Body_upload_files_upload_post": {
        "properties": {
          "file": {
            "contentMediaType": "application/octet-stream",
            "description": "The file; its name must be one path segment",
            "title": "File",
            "type": "string"
          }
        },
        "required": [
          "file"
        ],
        "title": "Body_upload_files_upload_post",
        "type": "object"
      },
      "Body_upload_multiple_files_upload_multiple_post": {
        "properties": {
          "files": {
            "description": "One field per file",
            "items": {
              "contentMediaType": "application/octet-stream",
              "type": "string"
            },
            "title": "Files",
            "type": "array"
          }
        },
        "required": [
          "files"
        ],
        "title": "Body_upload_multiple_files_upload_multiple_post",
        "type": "object"
      },
      "CompanionComplete": {
        "properties": {
          "parts": {
            "items": {
              "$ref": "#/components/schemas/CompanionCompletePart"
            },
            "maxItems": 10000,
            "minItems": 1,
            "title": "Parts",
            "type": "array"
          }
        },
        "required": [
          "parts"
        ],
        "title": "CompanionComplete",
        "type": "object"
      },
      "CompanionCompletePart": {
        "properties": {
          "ETag": {
            "maxLength": 128,
            "minLength": 1,
            "title": "Etag",
            "type": "string"
          },
          "PartNumber": {
            "maximum": 10000.0,
            "minimum": 1.0,
            "title": "Partnumber",
            "type": "integer"
          }
        },
        "required": [
          "PartNumber",
          "ETag"
        ],
        "title": "CompanionCompletePart",
        "type": "object"
      },
      "CompanionCompleted": {
        "properties": {
          "key": {
            "title": "Key",
            "type": "string"
          },
          "location": {
            "description": "The file's download URL in the API",
            "title": "Location",
            "type": "string"
          }
        },
        "required": [
          "location",
          "key"
        ],
        "title": "CompanionCompleted",
        "type": "object"
      },
      "CompanionCreate": {
        "properties": {
          "filename": {
            "description": "One path segment: the file's name in the session's folder",
            "title": "Filename",
            "type": "string"
          },
          "metadata": {
            "additionalProperties": true,
            "title": "Metadata",
            "type": "object"
          },
          "type": {
            "anyOf": [
              {
                "maxLength": 255,
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Type"
          }
        },
        "required": [
          "filename"
        ],
        "title": "CompanionCreate",
        "type": "object"
      },
      "CompanionParams": {
        "properties": {
          "fields": {
            "additionalProperties": {
              "type": "string"
            },
            "title": "Fields",
            "type": "object"
          },
          "headers": {
            "additionalProperties": {
              "type": "string"
            },
            "title": "Headers",
            "type": "object"
          },
          "method": {
            "const": "POST",
            "default": "POST",
            "title": "Method",
            "type": "string"
          },
          "url": {
            "title": "Url",
            "type": "string"
          }
        },
        "required": [
          "url",
          "fields"
        ],
        "title": "CompanionParams",
        "type": "object"
      },
      "CompanionPart": {
        "properties": {
          "ETag": {
            "title": "Etag",
            "type": "string"
          },
          "PartNumber": {
            "title": "Partnumber",
            "type": "integer"
          },
          "Size": {
            "title": "Size",
            "type": "integer"
          }
        },
        "required": [
          "PartNumber",
          "Size",
          "ETag"
        ],
        "title": "CompanionPart",
        "type": "object"
      },
      "CompanionSignedPart": {
        "properties": {
          "expires": {
            "description": "Seconds the URL stays valid",
            "title": "Expires",
            "type": "integer"
          },
          "url": {
            "title": "Url",
            "type": "string"
          }
        },
        "required": [
          "url",
          "expires"
        ],
        "title": "CompanionSignedPart",
        "type": "object"
      },
      "CompanionUpload": {
        "properties": {
          "key": {
            "description": "The file's path (shown only; never trusted back)",
            "title": "Key",
            "type": "string"
          },
          "uploadId": {
            "title": "Uploadid",
            "type": "string"
          }
        },
        "required": [
          "key",
          "uploadId"
        ],
        "title": "CompanionUpload",
        "type": "object"
      },
      "CompleteRequest": {
        "properties": {
          "overwrite": {
            "anyOf": [
              {
                "type": "boolean"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null: as the upload was created",
            "title": "Overwrite"
          },
          "parts": {
            "anyOf": [
              {
                "items": {
                  "$ref": "#/components/schemas/PartToComplete"
                },
                "maxItems": 10000,
                "type": "array"
              },
              {
                "type": "null"
              }
            ],
            "description": "The parts to assemble, each with the ETag its PUT answered; null: every part storage holds",
            "title": "Parts"
          }
        },
        "title": "CompleteRequest",
        "type": "object"
      },
      "CompletedUpload": {
        "properties": {
          "checksum_sha256": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Storage's SHA-256 of the parts' checksums, '-N' for N parts; null unless the upload was created with checksum sha256",
            "title": "Checksum Sha256"
          },
          "content_type": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "MIME type; null in listings, which S3 returns without it",
            "title": "Content Type"
          },
          "etag": {
            "description": "The object's entity tag, quoted as in the ETag header",
            "title": "Etag",
            "type": "string"
          },
          "last_modified": {
            "format": "date-time",
            "title": "Last Modified",
            "type": "string"
          },
          "name": {
            "title": "Name",
            "type": "string"
          },
          "path": {
            "description": "Path relative to the tenant's root",
            "title": "Path",
            "type": "string"
          },
          "size": {
            "title": "Size",
            "type": "integer"
          },
          "version_id": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null where versioning is off",
            "title": "Version Id"
          }
        },
        "required": [
          "path",
          "name",
          "size",
          "content_type",
          "etag",
          "last_modified",
          "version_id",
          "checksum_sha256"
        ],
        "title": "CompletedUpload",
        "type": "object"
      },
      "DeleteResult": {
        "properties": {
          "deleted": {
            "items": {
              "type": "string"
            },
            "title": "Deleted",
            "type": "array"
          },
          "errors": {
            "items": {
              "$ref": "#/components/schemas/PathError"
            },
            "title": "Errors",
            "type": "array"
          }
        },
        "required": [
          "deleted",
          "errors"
        ],
        "title": "DeleteResult",
        "type": "object"
      },
      "FileInfo": {
        "properties": {
          "content_type": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "MIME type; null in listings, which S3 returns without it",
            "title": "Content Type"
          },
          "etag": {
            "description": "The object's entity tag, quoted as in the ETag header",
            "title": "Etag",
            "type": "string"
          },
          "last_modified": {
            "format": "date-time",
            "title": "Last Modified",
            "type": "string"
          },
          "name": {
            "title": "Name",
            "type": "string"
          },
          "path": {
            "description": "Path relative to the tenant's root",
            "title": "Path",
            "type": "string"
          },
          "size": {
            "title": "Size",
            "type": "integer"
          },
          "version_id": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null where versioning is off",
            "title": "Version Id"
          }
        },
        "required": [
          "path",
          "name",
          "size",
          "content_type",
          "etag",
          "last_modified",
          "version_id"
        ],
        "title": "FileInfo",
        "type": "object"
      },
      "FileList": {
        "properties": {
          "files": {
            "items": {
              "$ref": "#/components/schemas/FileInfo"
            },
            "title": "Files",
            "type": "array"
          },
          "folder": {
            "title": "Folder",
            "type": "string"
          },
          "folders": {
            "items": {
              "type": "string"
            },
            "title": "Folders",
            "type": "array"
          },
          "next_cursor": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Pass as `cursor` for the next page; null on the last",
            "title": "Next Cursor"
          }
        },
        "required": [
          "folder",
          "folders",
          "files",
          "next_cursor"
        ],
        "title": "FileList",
        "type": "object"
      },
      "FileMetadata": {
        "properties": {
          "checksum_sha256": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Storage's SHA-256 of the file (of a multipart file: of its parts' checksums, '-N' appended); null unless it was uploaded with one",
            "title": "Checksum Sha256"
          },
          "content_type": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "MIME type; null in listings, which S3 returns without it",
            "title": "Content Type"
          },
          "etag": {
            "description": "The object's entity tag, quoted as in the ETag header",
            "title": "Etag",
            "type": "string"
          },
          "last_modified": {
            "format": "date-time",
            "title": "Last Modified",
            "type": "string"
          },
          "metadata": {
            "additionalProperties": {
              "type": "string"
            },
            "description": "User metadata stored with the object",
            "title": "Metadata",
            "type": "object"
          },
          "name": {
            "title": "Name",
            "type": "string"
          },
          "path": {
            "description": "Path relative to the tenant's root",
            "title": "Path",
            "type": "string"
          },
          "size": {
            "title": "Size",
            "type": "integer"
          },
          "version_id": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null where versioning is off",
            "title": "Version Id"
          }
        },
        "required": [
          "path",
          "name",
          "size",
          "content_type",
          "etag",
          "last_modified",
          "version_id",
          "metadata"
        ],
        "title": "FileMetadata",
        "type": "object"
      },
      "FileVersion": {
        "properties": {
          "archived": {
            "description": "In an archive storage class: thaw it before reading",
            "title": "Archived",
            "type": "boolean"
          },
          "etag": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null for a delete marker",
            "title": "Etag"
          },
          "is_current": {
            "title": "Is Current",
            "type": "boolean"
          },
          "is_delete_marker": {
            "description": "The file was deleted at this point",
            "title": "Is Delete Marker",
            "type": "boolean"
          },
          "last_modified": {
            "format": "date-time",
            "title": "Last Modified",
            "type": "string"
          },
          "size": {
            "title": "Size",
            "type": "integer"
          },
          "uploaded_by": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "The user id that wrote this version",
            "title": "Uploaded By"
          },
          "version_id": {
            "description": "Pass as `version_id` to download, metadata or restore",
            "title": "Version Id",
            "type": "string"
          }
        },
        "required": [
          "version_id",
          "size",
          "etag",
          "last_modified",
          "is_current",
          "is_delete_marker",
          "uploaded_by",
          "archived"
        ],
        "title": "FileVersion",
        "type": "object"
      },
      "FolderDeleted": {
        "properties": {
          "deleted_count": {
            "title": "Deleted Count",
            "type": "integer"
          },
          "path": {
            "title": "Path",
            "type": "string"
          }
        },
        "required": [
          "path",
          "deleted_count"
        ],
        "title": "FolderDeleted",
        "type": "object"
      },
      "FolderRequest": {
        "properties": {
          "path": {
            "title": "Path",
            "type": "string"
          }
        },
        "required": [
          "path"
        ],
        "title": "FolderRequest",
        "type": "object"
      },
      "FolderRestoreRequest": {
        "properties": {
          "deleted_since": {
            "anyOf": [
              {
                "format": "date-time",
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Only what was deleted at or after this time (ISO 8601)",
            "title": "Deleted Since"
          },
          "folder": {
            "description": "Relative to the tenant's root; empty is the root",
            "title": "Folder",
            "type": "string"
          }
        },
        "required": [
          "folder"
        ],
        "title": "FolderRestoreRequest",
        "type": "object"
      },
      "FolderRestored": {
        "properties": {
          "folder": {
            "title": "Folder",
            "type": "string"
          },
          "restored_count": {
            "title": "Restored Count",
            "type": "integer"
          }
        },
        "required": [
          "folder",
          "restored_count"
        ],
        "title": "FolderRestored",
        "type": "object"
      },
      "FolderResult": {
        "properties": {
          "path": {
            "title": "Path",
            "type": "string"
          }
        },
        "required": [
          "path"
        ],
        "title": "FolderResult",
        "type": "object"
      },
      "Health": {
        "properties": {
          "status": {
            "title": "Status",
            "type": "string"
          }
        },
        "required": [
          "status"
        ],
        "title": "Health",
        "type": "object"
      },
      "MultipartCreate": {
        "properties": {
          "checksum": {
            "anyOf": [
              {
                "const": "sha256",
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "sha256: every part is signed with its SHA-256, which storage verifies",
            "title": "Checksum"
          },
          "content_type": {
            "anyOf": [
              {
                "maxLength": 255,
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "Guessed from the name when null",
            "title": "Content Type"
          },
          "overwrite": {
            "default": false,
            "description": "Replace an existing file",
            "title": "Overwrite",
            "type": "boolean"
          },
          "path": {
            "description": "Where the file will live, relative to the tenant's root",
            "title": "Path",
            "type": "string"
          },
          "size": {
            "description": "The file's size in bytes: completion must match it",
            "minimum": 1.0,
            "title": "Size",
            "type": "integer"
          }
        },
        "required": [
          "path",
          "size"
        ],
        "title": "MultipartCreate",
        "type": "object"
      },
      "MultipartUpload": {
        "properties": {
          "checksum": {
            "anyOf": [
              {
                "const": "sha256",
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Checksum"
          },
          "content_type": {
            "title": "Content Type",
            "type": "string"
          },
          "created_at": {
            "format": "date-time",
            "title": "Created At",
            "type": "string"
          },
          "overwrite": {
            "title": "Overwrite",
            "type": "boolean"
          },
          "part_count": {
            "description": "Parts of part_size the file takes",
            "title": "Part Count",
            "type": "integer"
          },
          "part_size": {
            "description": "A part size that fits the 10,000-part limit",
            "title": "Part Size",
            "type": "integer"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "size": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "description": "Declared size; null for an upload session's files",
            "title": "Size"
          },
          "upload_id": {
            "description": "Opaque; valid for this user in this tenant only",
            "title": "Upload Id",
            "type": "string"
          }
        },
        "required": [
          "upload_id",
          "path",
          "size",
          "content_type",
          "overwrite",
          "checksum",
          "part_size",
          "part_count",
          "created_at"
        ],
        "title": "MultipartUpload",
        "type": "object"
      },
      "PartList": {
        "properties": {
          "parts": {
            "description": "What storage holds, by part number",
            "items": {
              "$ref": "#/components/schemas/UploadedPart"
            },
            "title": "Parts",
            "type": "array"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "size": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "title": "Size"
          },
          "upload_id": {
            "title": "Upload Id",
            "type": "string"
          },
          "uploaded_bytes": {
            "title": "Uploaded Bytes",
            "type": "integer"
          }
        },
        "required": [
          "upload_id",
          "path",
          "size",
          "uploaded_bytes",
          "parts"
        ],
        "title": "PartList",
        "type": "object"
      },
      "PartToComplete": {
        "properties": {
          "checksum_sha256": {
            "anyOf": [
              {
                "maxLength": 44,
                "minLength": 44,
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "The part's SHA-256, base64 (as in x-amz-checksum-sha256)",
            "title": "Checksum Sha256"
          },
          "etag": {
            "maxLength": 128,
            "minLength": 1,
            "title": "Etag",
            "type": "string"
          },
          "part_number": {
            "maximum": 10000.0,
            "minimum": 1.0,
            "title": "Part Number",
            "type": "integer"
          }
        },
        "required": [
          "part_number",
          "etag"
        ],
        "title": "PartToComplete",
        "type": "object"
      },
      "PartToSign": {
        "properties": {
          "checksum_sha256": {
            "anyOf": [
              {
                "maxLength": 44,
                "minLength": 44,
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "The part's SHA-256, base64 (as in x-amz-checksum-sha256)",
            "title": "Checksum Sha256"
          },
          "part_number": {
            "maximum": 10000.0,
            "minimum": 1.0,
            "title": "Part Number",
            "type": "integer"
          }
        },
        "required": [
          "part_number"
        ],
        "title": "PartToSign",
        "type": "object"
      },
      "PathError": {
        "properties": {
          "code": {
            "title": "Code",
            "type": "string"
          },
          "detail": {
            "title": "Detail",
            "type": "string"
          },
          "path": {
            "title": "Path",
            "type": "string"
          }
        },
        "required": [
          "path",
          "code",
          "detail"
        ],
        "title": "PathError",
        "type": "object"
      },
      "PathRequest": {
        "properties": {
          "path": {
            "description": "A path exactly as stored (as a listing shows it)",
            "title": "Path",
            "type": "string"
          }
        },
        "required": [
          "path"
        ],
        "title": "PathRequest",
        "type": "object"
      },
      "PathsRequest": {
        "properties": {
          "paths": {
            "items": {
              "type": "string"
            },
            "maxItems": 1000,
            "minItems": 1,
            "title": "Paths",
            "type": "array"
          }
        },
        "required": [
          "paths"
        ],
        "title": "PathsRequest",
        "type": "object"
      },
      "PresignedDownload": {
        "properties": {
          "expires_at": {
            "format": "date-time",
            "title": "Expires At",
            "type": "string"
          },
          "method": {
            "default": "GET",
            "title": "Method",
            "type": "string"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "url": {
            "title": "Url",
            "type": "string"
          }
        },
        "required": [
          "url",
          "path",
          "expires_at"
        ],
        "title": "PresignedDownload",
        "type": "object"
      },
      "PresignedUpload": {
        "properties": {
          "expires_at": {
            "format": "date-time",
            "title": "Expires At",
            "type": "string"
          },
          "fields": {
            "additionalProperties": {
              "type": "string"
            },
            "description": "Form fields to send before the file field",
            "title": "Fields",
            "type": "object"
          },
          "max_size": {
            "title": "Max Size",
            "type": "integer"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "url": {
            "title": "Url",
            "type": "string"
          }
        },
        "required": [
          "url",
          "fields",
          "path",
          "expires_at",
          "max_size"
        ],
        "title": "PresignedUpload",
        "type": "object"
      },
      "Purged": {
        "properties": {
          "path": {
            "description": "The file or folder purged",
            "title": "Path",
            "type": "string"
          },
          "purged_files": {
            "title": "Purged Files",
            "type": "integer"
          },
          "purged_versions": {
            "description": "Versions and delete markers removed for good",
            "title": "Purged Versions",
            "type": "integer"
          }
        },
        "required": [
          "path",
          "purged_files",
          "purged_versions"
        ],
        "title": "Purged",
        "type": "object"
      },
      "SessionCreate": {
        "properties": {
          "expires_in": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "description": "Seconds, 60 to the configured maximum (default 3600)",
            "title": "Expires In"
          },
          "folder": {
            "default": "",
            "description": "Where the session's files go; empty is the root",
            "title": "Folder",
            "type": "string"
          },
          "max_size": {
            "anyOf": [
              {
                "minimum": 1.0,
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "description": "Largest file accepted; the configured maximum when null",
            "title": "Max Size"
          },
          "overwrite": {
            "default": false,
            "description": "Replace existing files",
            "title": "Overwrite",
            "type": "boolean"
          }
        },
        "title": "SessionCreate",
        "type": "object"
      },
      "SignRequest": {
        "properties": {
          "expires_in": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "description": "Seconds, 60 to the configured maximum",
            "title": "Expires In"
          },
          "parts": {
            "items": {
              "$ref": "#/components/schemas/PartToSign"
            },
            "maxItems": 100,
            "minItems": 1,
            "title": "Parts",
            "type": "array"
          }
        },
        "required": [
          "parts"
        ],
        "title": "SignRequest",
        "type": "object"
      },
      "SignedPart": {
        "properties": {
          "headers": {
            "additionalProperties": {
              "type": "string"
            },
            "description": "Headers the PUT must carry, exactly",
            "title": "Headers",
            "type": "object"
          },
          "method": {
            "const": "PUT",
            "default": "PUT",
            "title": "Method",
            "type": "string"
          },
          "part_number": {
            "title": "Part Number",
            "type": "integer"
          },
          "url": {
            "title": "Url",
            "type": "string"
          }
        },
        "required": [
          "part_number",
          "url",
          "headers"
        ],
        "title": "SignedPart",
        "type": "object"
      },
      "SignedParts": {
        "properties": {
          "expires_at": {
            "format": "date-time",
            "title": "Expires At",
            "type": "string"
          },
          "parts": {
            "items": {
              "$ref": "#/components/schemas/SignedPart"
            },
            "title": "Parts",
            "type": "array"
          },
          "upload_id": {
            "title": "Upload Id",
            "type": "string"
          }
        },
        "required": [
          "upload_id",
          "expires_at",
          "parts"
        ],
        "title": "SignedParts",
        "type": "object"
      },
      "ThawRequest": {
        "properties": {
          "days": {
            "default": 7,
            "description": "How long the readable copy stays",
            "maximum": 30.0,
            "minimum": 1.0,
            "title": "Days",
            "type": "integer"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "version_id": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "description": "The current version when null",
            "title": "Version Id"
          }
        },
        "required": [
          "path"
        ],
        "title": "ThawRequest",
        "type": "object"
      },
      "ThawResult": {
        "properties": {
          "available_days": {
            "title": "Available Days",
            "type": "integer"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "ready_within_hours": {
            "anyOf": [
              {
                "type": "integer"
              },
              {
                "type": "null"
              }
            ],
            "description": "Null when it is available already",
            "title": "Ready Within Hours"
          },
          "status": {
            "enum": [
              "restoring",
              "available"
            ],
            "title": "Status",
            "type": "string"
          },
          "version_id": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Version Id"
          }
        },
        "required": [
          "path",
          "version_id",
          "status",
          "ready_within_hours",
          "available_days"
        ],
        "title": "ThawResult",
        "type": "object"
      },
      "TransferRequest": {
        "properties": {
          "destination": {
            "title": "Destination",
            "type": "string"
          },
          "overwrite": {
            "default": false,
            "title": "Overwrite",
            "type": "boolean"
          },
          "source": {
            "title": "Source",
            "type": "string"
          }
        },
        "required": [
          "source",
          "destination"
        ],
        "title": "TransferRequest",
        "type": "object"
      },
      "TrashList": {
        "properties": {
          "files": {
            "items": {
              "$ref": "#/components/schemas/TrashedFile"
            },
            "title": "Files",
            "type": "array"
          },
          "folder": {
            "title": "Folder",
            "type": "string"
          },
          "next_cursor": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Next Cursor"
          }
        },
        "required": [
          "folder",
          "files",
          "next_cursor"
        ],
        "title": "TrashList",
        "type": "object"
      },
      "TrashedFile": {
        "properties": {
          "deleted_at": {
            "format": "date-time",
            "title": "Deleted At",
            "type": "string"
          },
          "name": {
            "title": "Name",
            "type": "string"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "size": {
            "description": "Of the version a restore brings back",
            "title": "Size",
            "type": "integer"
          },
          "version_id": {
            "description": "The version a restore brings back",
            "title": "Version Id",
            "type": "string"
          }
        },
        "required": [
          "path",
          "name",
          "deleted_at",
          "size",
          "version_id"
        ],
        "title": "TrashedFile",
        "type": "object"
      },
      "UnfinishedUploads": {
        "properties": {
          "next_cursor": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Next Cursor"
          },
          "uploads": {
            "description": "Newest first",
            "items": {
              "$ref": "#/components/schemas/MultipartUpload"
            },
            "title": "Uploads",
            "type": "array"
          }
        },
        "required": [
          "uploads",
          "next_cursor"
        ],
        "title": "UnfinishedUploads",
        "type": "object"
      },
      "UploadFailure": {
        "properties": {
          "code": {
            "title": "Code",
            "type": "string"
          },
          "detail": {
            "title": "Detail",
            "type": "string"
          },
          "name": {
            "title": "Name",
            "type": "string"
          }
        },
        "required": [
          "name",
          "code",
          "detail"
        ],
        "title": "UploadFailure",
        "type": "object"
      },
      "UploadResult": {
        "properties": {
          "failed": {
            "items": {
              "$ref": "#/components/schemas/UploadFailure"
            },
            "title": "Failed",
            "type": "array"
          },
          "uploaded": {
            "items": {
              "$ref": "#/components/schemas/FileInfo"
            },
            "title": "Uploaded",
            "type": "array"
          }
        },
        "required": [
          "uploaded",
          "failed"
        ],
        "title": "UploadResult",
        "type": "object"
      },
      "UploadSession": {
        "properties": {
          "companion_endpoint": {
            "description": "Give it to Uppy's @uppy/aws-s3 as `companionEndpoint`; a capability: whoever holds it uploads into the folder as you until it expires",
            "title": "Companion Endpoint",
            "type": "string"
          },
          "expires_at": {
            "format": "date-time",
            "title": "Expires At",
            "type": "string"
          },
          "folder": {
            "title": "Folder",
            "type": "string"
          },
          "max_size": {
            "title": "Max Size",
            "type": "integer"
          },
          "overwrite": {
            "title": "Overwrite",
            "type": "boolean"
          }
        },
        "required": [
          "companion_endpoint",
          "folder",
          "overwrite",
          "max_size",
          "expires_at"
        ],
        "title": "UploadSession",
        "type": "object"
      },
      "UploadedPart": {
        "properties": {
          "etag": {
            "title": "Etag",
            "type": "string"
          },
          "part_number": {
            "title": "Part Number",
            "type": "integer"
          },
          "size": {
            "title": "Size",
            "type": "integer"
          }
        },
        "required": [
          "part_number",
          "size",
          "etag"
        ],
        "title": "UploadedPart",
        "type": "object"
      },
      "VersionList": {
        "properties": {
          "next_cursor": {
            "anyOf": [
              {
                "type": "string"
              },
              {
                "type": "null"
              }
            ],
            "title": "Next Cursor"
          },
          "path": {
            "title": "Path",
            "type": "string"
          },
          "versions": {
            "description": "Newest first",
            "items": {
              "$ref": "#/components/schemas/FileVersion"
            },
            "title": "Versions",
            "type": "array"
          }
        },
        "required": [
          "path",
          "versions",
          "next_cursor"
        ],
        "title": "VersionList",
        "type": "object"
      },
      "VersionRequest": {
        "properties": {
          "path": {
            "title": "Path",
            "type": "string"
          },
          "version_id": {
            "title": "Version Id",
            "type": "string"
          }
        },
        "required": [
          "path",
          "version_id"
        ],
        "title": "VersionRequest",
        "type": "object"
      }
    },
    "securitySchemes": {
      "HTTPBearer": {
        "description": "A Supabase access token",
        "scheme": "bearer",
        "type": "http"
      }
    }
  },
  "info": {
    "summary": "Multi-tenant file storage at api.snsdconsultant.com/files",
    "title": "SnSD file API",
    "version": "1.0.0"
  },
  "openapi": "3.1.0",
  "paths": {
    "/files/copy": {
      "post": {
        "description": "Copy a file to another path.",
        "operationId": "copy_files_copy_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TransferRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileInfo"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Copy",
        "tags": [
          "files"
        ]
      }
    },
    "/files/delete-exact": {
      "post": {
        "description": "Delete the file stored at exactly this path, even one the path rules refuse.",
        "operationId": "delete_exact_files_delete_exact_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PathRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "204": {
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Delete Exact",
        "tags": [
          "files"
        ]
      }
    },
    "/files/delete-multiple": {
      "post": {
        "description": "Delete up to 1000 files in one request (missing files count as deleted).",
        "operationId": "delete_multiple_files_delete_multiple_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PathsRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeleteResult"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Delete Multiple",
        "tags": [
          "files"
        ]
      }
    },
    "/files/delete/{path}": {
      "delete": {
        "description": "Delete a file.",
        "operationId": "delete_files_delete__path__delete",
        "parameters": [
          {
            "in": "path",
            "name": "path",
            "required": true,
            "schema": {
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "204": {
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Delete",
        "tags": [
          "files"
        ]
      }
    },
    "/files/download/{path}": {
      "get": {
        "description": "Download a file: inline when it fits through the load balancer, else a redirect.",
        "operationId": "download_files_download__path__get",
        "parameters": [
          {
            "in": "path",
            "name": "path",
            "required": true,
            "schema": {
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "A specific version of the file",
            "in": "query",
            "name": "version_id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "A specific version of the file",
              "title": "Version Id"
            }
          },
          {
            "description": "inline is honoured only for types that run nothing in a browser",
            "in": "query",
            "name": "disposition",
            "required": false,
            "schema": {
              "default": "attachment",
              "description": "inline is honoured only for types that run nothing in a browser",
              "enum": [
                "attachment",
                "inline"
              ],
              "title": "Disposition",
              "type": "string"
            }
          },
          {
            "in": "header",
            "name": "if-none-match",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "title": "If-None-Match"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/octet-stream": {}
            },
            "description": "The bytes"
          },
          "304": {
            "description": "The client's copy is current"
          },
          "307": {
            "description": "Too large to return inline: go to a short-lived presigned GET"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Download",
        "tags": [
          "files"
        ]
      }
    },
    "/files/folder/create": {
      "post": {
        "description": "Create an empty folder.",
        "operationId": "create_folder_files_folder_create_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/FolderRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FolderResult"
                }
              }
            },
            "description": "It already existed"
          },
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FolderResult"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Create Folder",
        "tags": [
          "files"
        ]
      }
    },
    "/files/folder/delete": {
      "delete": {
        "description": "Delete a folder and everything below it.",
        "operationId": "delete_folder_files_folder_delete_delete",
        "parameters": [
          {
            "description": "The folder; not the root",
            "in": "query",
            "name": "path",
            "required": true,
            "schema": {
              "description": "The folder; not the root",
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FolderDeleted"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Delete Folder",
        "tags": [
          "files"
        ]
      }
    },
    "/files/health": {
      "get": {
        "description": "Liveness of the file API; touches no dependency.",
        "operationId": "health_files_health_get",
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            },
            "description": "Successful Response"
          }
        },
        "summary": "Health",
        "tags": [
          "files",
          "health"
        ]
      }
    },
    "/files/list": {
      "get": {
        "description": "List a folder, one page at a time.",
        "operationId": "list_files_files_list_get",
        "parameters": [
          {
            "description": "Folder relative to the tenant's root; empty is the root",
            "in": "query",
            "name": "folder",
            "required": false,
            "schema": {
              "default": "",
              "description": "Folder relative to the tenant's root; empty is the root",
              "title": "Folder",
              "type": "string"
            }
          },
          {
            "description": "Include files of every subfolder",
            "in": "query",
            "name": "recursive",
            "required": false,
            "schema": {
              "default": false,
              "description": "Include files of every subfolder",
              "title": "Recursive",
              "type": "boolean"
            }
          },
          {
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "default": 100,
              "maximum": 1000,
              "minimum": 1,
              "title": "Limit",
              "type": "integer"
            }
          },
          {
            "description": "next_cursor of the previous page",
            "in": "query",
            "name": "cursor",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "next_cursor of the previous page",
              "title": "Cursor"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileList"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "List Files",
        "tags": [
          "files"
        ]
      }
    },
    "/files/metadata/{path}": {
      "get": {
        "description": "A file's details and user metadata.",
        "operationId": "metadata_files_metadata__path__get",
        "parameters": [
          {
            "in": "path",
            "name": "path",
            "required": true,
            "schema": {
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "A specific version of the file",
            "in": "query",
            "name": "version_id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "A specific version of the file",
              "title": "Version Id"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileMetadata"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Metadata",
        "tags": [
          "files"
        ]
      }
    },
    "/files/move": {
      "post": {
        "description": "Move a file; the source is removed only after the copy is confirmed.",
        "operationId": "move_files_move_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TransferRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileInfo"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Move",
        "tags": [
          "files"
        ]
      }
    },
    "/files/multipart": {
      "get": {
        "description": "The caller's unfinished uploads in this tenant, to resume or abort them.",
        "operationId": "list_multipart_files_multipart_get",
        "parameters": [
          {
            "description": "Entries a page, 1 to 1000",
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "default": 100,
              "description": "Entries a page, 1 to 1000",
              "maximum": 1000,
              "minimum": 1,
              "title": "Limit",
              "type": "integer"
            }
          },
          {
            "description": "next_cursor of the previous page",
            "in": "query",
            "name": "cursor",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "next_cursor of the previous page",
              "title": "Cursor"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UnfinishedUploads"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "List Multipart",
        "tags": [
          "files",
          "multipart"
        ]
      },
      "post": {
        "description": "Start a multipart upload; its parts go straight to storage through signed URLs.",
        "operationId": "create_multipart_files_multipart_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/MultipartCreate"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/MultipartUpload"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Create Multipart",
        "tags": [
          "files",
          "multipart"
        ]
      }
    },
    "/files/multipart/{upload_id}": {
      "delete": {
        "description": "Abort an upload: storage removes every part it holds.",
        "operationId": "abort_multipart_files_multipart__upload_id__delete",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "204": {
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Abort Multipart",
        "tags": [
          "files",
          "multipart"
        ]
      }
    },
    "/files/multipart/{upload_id}/complete": {
      "post": {
        "description": "Assemble the parts into the file, after checking their sizes.",
        "operationId": "complete_multipart_files_multipart__upload_id__complete_post",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CompleteRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CompletedUpload"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "413": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Complete Multipart",
        "tags": [
          "files",
          "multipart"
        ]
      }
    },
    "/files/multipart/{upload_id}/parts": {
      "get": {
        "description": "The parts storage holds for this upload: what a resume need not send again.",
        "operationId": "list_parts_files_multipart__upload_id__parts_get",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PartList"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "List Parts",
        "tags": [
          "files",
          "multipart"
        ]
      }
    },
    "/files/multipart/{upload_id}/sign": {
      "post": {
        "description": "Short-lived PUT URLs, each for exactly one part number of this upload.",
        "operationId": "sign_parts_files_multipart__upload_id__sign_post",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SignRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SignedParts"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Sign Parts",
        "tags": [
          "files",
          "multipart"
        ]
      }
    },
    "/files/presigned-upload": {
      "post": {
        "description": "A presigned POST for a browser to upload straight to storage.",
        "operationId": "presigned_upload_files_presigned_upload_post",
        "parameters": [
          {
            "description": "Where the file will live",
            "in": "query",
            "name": "file_path",
            "required": true,
            "schema": {
              "description": "Where the file will live",
              "title": "File Path",
              "type": "string"
            }
          },
          {
            "description": "Pin the upload's Content-Type",
            "in": "query",
            "name": "content_type",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "Pin the upload's Content-Type",
              "title": "Content Type"
            }
          },
          {
            "description": "Largest accepted size in bytes",
            "in": "query",
            "name": "max_size",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "integer"
                },
                {
                  "type": "null"
                }
              ],
              "description": "Largest accepted size in bytes",
              "title": "Max Size"
            }
          },
          {
            "description": "Seconds, 60 to the configured maximum",
            "in": "query",
            "name": "expires_in",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "integer"
                },
                {
                  "type": "null"
                }
              ],
              "description": "Seconds, 60 to the configured maximum",
              "title": "Expires In"
            }
          },
          {
            "description": "Replace an existing file",
            "in": "query",
            "name": "overwrite",
            "required": false,
            "schema": {
              "default": false,
              "description": "Replace an existing file",
              "title": "Overwrite",
              "type": "boolean"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PresignedUpload"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Presigned Upload",
        "tags": [
          "files"
        ]
      }
    },
    "/files/presigned-url/{path}": {
      "get": {
        "description": "A presigned GET URL for a file, answered with the same headers as a download.",
        "operationId": "presigned_url_files_presigned_url__path__get",
        "parameters": [
          {
            "in": "path",
            "name": "path",
            "required": true,
            "schema": {
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "Seconds, 60 to the configured maximum",
            "in": "query",
            "name": "expires_in",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "integer"
                },
                {
                  "type": "null"
                }
              ],
              "description": "Seconds, 60 to the configured maximum",
              "title": "Expires In"
            }
          },
          {
            "description": "inline is honoured only for types that run nothing in a browser",
            "in": "query",
            "name": "disposition",
            "required": false,
            "schema": {
              "default": "attachment",
              "description": "inline is honoured only for types that run nothing in a browser",
              "enum": [
                "attachment",
                "inline"
              ],
              "title": "Disposition",
              "type": "string"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PresignedDownload"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Presigned Url",
        "tags": [
          "files"
        ]
      }
    },
    "/files/thaw": {
      "post": {
        "description": "Ask storage for a readable copy of an archived file or version.",
        "operationId": "thaw_files_thaw_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ThawRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ThawResult"
                }
              }
            },
            "description": "A readable copy exists already"
          },
          "202": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ThawResult"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Thaw",
        "tags": [
          "files",
          "versions"
        ]
      }
    },
    "/files/trash": {
      "get": {
        "description": "Deleted files under a folder that can still be restored.",
        "operationId": "list_trash_files_trash_get",
        "parameters": [
          {
            "description": "Folder relative to the tenant's root; empty is the root",
            "in": "query",
            "name": "folder",
            "required": false,
            "schema": {
              "default": "",
              "description": "Folder relative to the tenant's root; empty is the root",
              "title": "Folder",
              "type": "string"
            }
          },
          {
            "description": "Include every subfolder",
            "in": "query",
            "name": "recursive",
            "required": false,
            "schema": {
              "default": false,
              "description": "Include every subfolder",
              "title": "Recursive",
              "type": "boolean"
            }
          },
          {
            "description": "Entries a page, 1 to 1000",
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "default": 100,
              "description": "Entries a page, 1 to 1000",
              "maximum": 1000,
              "minimum": 1,
              "title": "Limit",
              "type": "integer"
            }
          },
          {
            "description": "next_cursor of the previous page",
            "in": "query",
            "name": "cursor",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "next_cursor of the previous page",
              "title": "Cursor"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TrashList"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "List Trash",
        "tags": [
          "files",
          "trash"
        ]
      }
    },
    "/files/trash/purge": {
      "post": {
        "description": "Remove a trashed file for good: every version and delete marker.",
        "operationId": "purge_files_trash_purge_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PathRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Purged"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Purge",
        "tags": [
          "files",
          "trash"
        ]
      }
    },
    "/files/trash/purge-folder": {
      "post": {
        "description": "Remove everything in the trash under a folder for good.",
        "operationId": "purge_folder_files_trash_purge_folder_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/FolderRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Purged"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Purge Folder",
        "tags": [
          "files",
          "trash"
        ]
      }
    },
    "/files/trash/restore": {
      "post": {
        "description": "Take a file out of the trash.",
        "operationId": "restore_deleted_files_trash_restore_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PathRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileInfo"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Restore Deleted",
        "tags": [
          "files",
          "trash"
        ]
      }
    },
    "/files/trash/restore-folder": {
      "post": {
        "description": "Take everything deleted under a folder (since a time) out of the trash.",
        "operationId": "restore_folder_files_trash_restore_folder_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/FolderRestoreRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FolderRestored"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Restore Folder",
        "tags": [
          "files",
          "trash"
        ]
      }
    },
    "/files/upload": {
      "post": {
        "description": "Upload one file (up to the inline limit; larger files use presigned-upload).",
        "operationId": "upload_files_upload_post",
        "parameters": [
          {
            "description": "Folder relative to the tenant's root; empty is the root",
            "in": "query",
            "name": "folder",
            "required": false,
            "schema": {
              "default": "",
              "description": "Folder relative to the tenant's root; empty is the root",
              "title": "Folder",
              "type": "string"
            }
          },
          {
            "description": "Replace an existing file",
            "in": "query",
            "name": "overwrite",
            "required": false,
            "schema": {
              "default": false,
              "description": "Replace an existing file",
              "title": "Overwrite",
              "type": "boolean"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "multipart/form-data": {
              "schema": {
                "$ref": "#/components/schemas/Body_upload_files_upload_post"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileInfo"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "413": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Upload",
        "tags": [
          "files"
        ]
      }
    },
    "/files/upload-multiple": {
      "post": {
        "description": "Upload several files; each succeeds or fails on its own.",
        "operationId": "upload_multiple_files_upload_multiple_post",
        "parameters": [
          {
            "description": "Folder relative to the tenant's root; empty is the root",
            "in": "query",
            "name": "folder",
            "required": false,
            "schema": {
              "default": "",
              "description": "Folder relative to the tenant's root; empty is the root",
              "title": "Folder",
              "type": "string"
            }
          },
          {
            "description": "Replace an existing file",
            "in": "query",
            "name": "overwrite",
            "required": false,
            "schema": {
              "default": false,
              "description": "Replace an existing file",
              "title": "Overwrite",
              "type": "boolean"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "multipart/form-data": {
              "schema": {
                "$ref": "#/components/schemas/Body_upload_multiple_files_upload_multiple_post"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UploadResult"
                }
              }
            },
            "description": "Successful Response"
          },
          "207": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UploadResult"
                }
              }
            },
            "description": "Some failed"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "413": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Upload Multiple",
        "tags": [
          "files"
        ]
      }
    },
    "/files/upload-sessions": {
      "post": {
        "description": "An expiring endpoint for Uppy's @uppy/aws-s3 (companionEndpoint): you, one folder.",
        "operationId": "create_upload_session_files_upload_sessions_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SessionCreate"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UploadSession"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Create Upload Session",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/upload-sessions/{session}/s3/multipart": {
      "post": {
        "description": "Companion's create: a multipart upload of one file into the session's folder.",
        "operationId": "session_create_files_upload_sessions__session__s3_multipart_post",
        "parameters": [
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CompanionCreate"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CompanionUpload"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Create",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/upload-sessions/{session}/s3/multipart/{upload_id}": {
      "delete": {
        "description": "Companion's abort: storage removes every part of the upload.",
        "operationId": "session_abort_files_upload_sessions__session__s3_multipart__upload_id__delete",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          },
          {
            "description": "The key the create call answered; never trusted",
            "in": "query",
            "name": "key",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The key the create call answered; never trusted",
              "title": "Key"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "additionalProperties": {
                    "type": "string"
                  },
                  "title": "Response Session Abort Files Upload Sessions  Session  S3 Multipart  Upload Id  Delete",
                  "type": "object"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Abort",
        "tags": [
          "files",
          "upload sessions"
        ]
      },
      "get": {
        "description": "Companion's list parts: what a resume need not send again.",
        "operationId": "session_parts_files_upload_sessions__session__s3_multipart__upload_id__get",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          },
          {
            "description": "The key the create call answered; never trusted",
            "in": "query",
            "name": "key",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The key the create call answered; never trusted",
              "title": "Key"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "items": {
                    "$ref": "#/components/schemas/CompanionPart"
                  },
                  "title": "Response Session Parts Files Upload Sessions  Session  S3 Multipart  Upload Id  Get",
                  "type": "array"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Parts",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/upload-sessions/{session}/s3/multipart/{upload_id}/complete": {
      "post": {
        "description": "Companion's complete: assemble the parts, after checking their sizes.",
        "operationId": "session_complete_files_upload_sessions__session__s3_multipart__upload_id__complete_post",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          },
          {
            "description": "The key the create call answered; never trusted",
            "in": "query",
            "name": "key",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The key the create call answered; never trusted",
              "title": "Key"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CompanionComplete"
              }
            }
          },
          "required": true
        },
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CompanionCompleted"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "413": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Complete",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/upload-sessions/{session}/s3/multipart/{upload_id}/{part_number}": {
      "get": {
        "description": "Companion's sign: a PUT URL for one part.",
        "operationId": "session_sign_files_upload_sessions__session__s3_multipart__upload_id___part_number__get",
        "parameters": [
          {
            "description": "upload_id as created (opaque)",
            "in": "path",
            "name": "upload_id",
            "required": true,
            "schema": {
              "description": "upload_id as created (opaque)",
              "title": "Upload Id",
              "type": "string"
            }
          },
          {
            "in": "path",
            "name": "part_number",
            "required": true,
            "schema": {
              "maximum": 10000,
              "minimum": 1,
              "title": "Part Number",
              "type": "integer"
            }
          },
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          },
          {
            "description": "The key the create call answered; never trusted",
            "in": "query",
            "name": "key",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The key the create call answered; never trusted",
              "title": "Key"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CompanionSignedPart"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Sign",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/upload-sessions/{session}/s3/params": {
      "get": {
        "description": "Companion's /s3/params: a presigned POST of one small file.",
        "operationId": "session_params_files_upload_sessions__session__s3_params_get",
        "parameters": [
          {
            "description": "The capability in companion_endpoint (opaque, expiring)",
            "in": "path",
            "name": "session",
            "required": true,
            "schema": {
              "description": "The capability in companion_endpoint (opaque, expiring)",
              "title": "Session",
              "type": "string"
            }
          },
          {
            "description": "The file's name in the session's folder",
            "in": "query",
            "name": "filename",
            "required": true,
            "schema": {
              "description": "The file's name in the session's folder",
              "title": "Filename",
              "type": "string"
            }
          },
          {
            "description": "The file's content type",
            "in": "query",
            "name": "type",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The file's content type",
              "title": "Type"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CompanionParams"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "summary": "Session Params",
        "tags": [
          "files",
          "upload sessions"
        ]
      }
    },
    "/files/versions/restore": {
      "post": {
        "description": "Make an older version current again, as a new version.",
        "operationId": "restore_version_files_versions_restore_post",
        "parameters": [
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "requestBody": {
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/VersionRequest"
              }
            }
          },
          "required": true
        },
        "responses": {
          "201": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileInfo"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "409": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "Restore Version",
        "tags": [
          "files",
          "versions"
        ]
      }
    },
    "/files/versions/{path}": {
      "get": {
        "description": "A file's versions and delete markers, newest first, one page at a time.",
        "operationId": "list_versions_files_versions__path__get",
        "parameters": [
          {
            "in": "path",
            "name": "path",
            "required": true,
            "schema": {
              "title": "Path",
              "type": "string"
            }
          },
          {
            "description": "Entries a page, 1 to 1000",
            "in": "query",
            "name": "limit",
            "required": false,
            "schema": {
              "default": 100,
              "description": "Entries a page, 1 to 1000",
              "maximum": 1000,
              "minimum": 1,
              "title": "Limit",
              "type": "integer"
            }
          },
          {
            "description": "next_cursor of the previous page",
            "in": "query",
            "name": "cursor",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "next_cursor of the previous page",
              "title": "Cursor"
            }
          },
          {
            "description": "The tenant to act in; optional when the caller has exactly one",
            "in": "header",
            "name": "x-tenant-id",
            "required": false,
            "schema": {
              "anyOf": [
                {
                  "type": "string"
                },
                {
                  "type": "null"
                }
              ],
              "description": "The tenant to act in; optional when the caller has exactly one",
              "title": "X-Tenant-Id"
            }
          }
        ],
        "responses": {
          "200": {
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VersionList"
                }
              }
            },
            "description": "Successful Response"
          },
          "400": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "401": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "403": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "404": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          },
          "503": {
            "content": {
              "application/problem+json": {
                "schema": {
                  "properties": {
                    "code": {
                      "type": "string"
                    },
                    "detail": {
                      "type": "string"
                    },
                    "request_id": {
                      "type": "string"
                    },
                    "status": {
                      "type": "integer"
                    },
                    "title": {
                      "type": "string"
                    },
                    "type": {
                      "type": "string"
                    }
                  },
                  "required": [
                    "type",
                    "title",
                    "status",
                    "detail",
                    "code",
                    "request_id"
                  ],
                  "type": "object"
                }
              }
            },
            "description": "An RFC 9457 problem"
          }
        },
        "security": [
          {
            "HTTPBearer": []
          }
        ],
        "summary": "List Versions",
        "tags": [
          "files",
          "versions"
        ]
      }
    }
  }
}
"""
