"""Parts of application and candidate writes: tags, uploaded files, side-posted answers
and custom attribute values.
"""

from __future__ import annotations

from typing import Any

from pipelines.sandbox.errors import bad_request, unprocessable
from pipelines.sandbox.files import (
    CV_EXTENSIONS,
    CV_MAX_BYTES,
    DOCUMENT_EXTENSIONS,
    DOCUMENT_MAX_BYTES,
    Upload,
    decode_upload,
)
from pipelines.sandbox.records import Attachment, Record, Ref, RelationshipValue
from pipelines.sandbox.store import SandboxStore, StoredFile
from pipelines.sandbox.write_documents import SidePost, WriteDocument, parse_date_value

TAG_ATTRIBUTES = ("add_tag_with_context", "add_tags_with_context", "remove_tag_with_context")

# NOTE: Pinpoint's docs show only varchar_value; the other value columns are guessed
# from the same naming pattern.
VALUE_COLUMNS = {
    "text": "varchar_value",
    "long_text": "text_value",
    "select": "varchar_value",
    "number": "number_value",
    "boolean": "boolean_value",
    "date": "date_value",
}
ANSWER_VALUES = (
    "text_answer",
    "boolean_answer",
    "number_answer",
    "date_answer",
    "date_from_answer",
    "date_to_answer",
    "url_answer",
)


def apply_tag_changes(
    current: list[dict[str, str]], attributes: dict[str, Any]
) -> list[dict[str, str]] | None:
    """Return the tags after the request's tag attributes, or None when it has none.

    Writes name a tag with the key ``tag``; reads return it as ``name``.
    """
    if not any(name in attributes for name in TAG_ATTRIBUTES):
        return None
    tags = [dict(tag) for tag in current]
    additions: list[tuple[dict[str, Any], str]] = []
    if "add_tag_with_context" in attributes:
        additions.append(
            (attributes["add_tag_with_context"], "/data/attributes/add_tag_with_context")
        )
    if "add_tags_with_context" in attributes:
        items = attributes["add_tags_with_context"]
        if not isinstance(items, list):
            raise unprocessable(
                "add_tags_with_context must be an array", "/data/attributes/add_tags_with_context"
            )
        additions.extend(
            (item, f"/data/attributes/add_tags_with_context/{i}") for i, item in enumerate(items)
        )
    for item, pointer in additions:
        tag = _tag(item, pointer)
        if tag not in tags:
            tags.append(tag)
    if "remove_tag_with_context" in attributes:
        removed = _tag(
            attributes["remove_tag_with_context"], "/data/attributes/remove_tag_with_context"
        )
        tags = [tag for tag in tags if tag != removed]
    return tags


def _tag(item: Any, pointer: str) -> dict[str, str]:
    if not isinstance(item, dict):
        raise unprocessable("A tag must be an object with tag and context", pointer)
    for key in ("tag", "context"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise unprocessable(f"{key.capitalize()} can't be blank", f"{pointer}/{key}")
    return {"context": item["context"].strip(), "name": item["tag"].strip()}


def read_uploads(attributes: dict[str, Any], allow_cv: bool) -> list[tuple[str, Upload]]:
    """Decode the CV, cover letter and documents of a write as (context, upload) pairs.

    A ``documents_base64`` item that lacks ``data`` or ``filename`` is skipped, as
    Pinpoint documents.
    """
    uploads: list[tuple[str, Upload]] = []
    for prefix, context in (("cv", "pdf_cv"), ("cover_letter", "cover_letter")):
        data_name, file_name = f"{prefix}_base64_data", f"{prefix}_base64_filename"
        if data_name not in attributes and file_name not in attributes:
            continue
        if not allow_cv:
            raise unprocessable(
                f"{prefix.replace('_', ' ').capitalize()} cannot be submitted when updating",
                f"/data/attributes/{data_name}",
            )
        upload = decode_upload(
            attributes.get(data_name),
            attributes.get(file_name),
            f"/data/attributes/{data_name}",
            CV_EXTENSIONS,
            CV_MAX_BYTES,
        )
        if prefix == "cv" and not upload.filename.lower().endswith(".pdf"):
            context = "cv"
        uploads.append((context, upload))
    documents = attributes.get("documents_base64")
    if documents is not None:
        if not isinstance(documents, list):
            raise unprocessable(
                "documents_base64 must be an array", "/data/attributes/documents_base64"
            )
        for position, item in enumerate(documents):
            if not isinstance(item, dict) or "data" not in item or "filename" not in item:
                continue
            pointer = f"/data/attributes/documents_base64/{position}/data"
            upload = decode_upload(
                item["data"], item["filename"], pointer, DOCUMENT_EXTENSIONS, DOCUMENT_MAX_BYTES
            )
            uploads.append(("document", upload))
    return uploads


def store_uploads(
    store: SandboxStore, owner: Ref, uploads: list[tuple[str, Upload]]
) -> list[Attachment]:
    attachments = []
    for context, upload in uploads:
        file_id = f"upload-{len(store.files) + 1}-{owner[1]}"
        stored = StoredFile(
            file_id, owner, context, upload.filename, upload.content_type, upload.data
        )
        store.add_file(stored)
        attachments.append(Attachment(file_id, context, upload.filename))
    return attachments


def check_answers(store: SandboxStore, document: WriteDocument) -> list[SidePost]:
    """Validate side-posted answers before anything is written."""
    if not document.has_relationship("answers"):
        return []
    posts = document.side_posts("answers", frozenset({"create"}))
    for post in posts:
        question_ref = _linked(post, "question", "questions")
        if store.get(*question_ref) is None:
            raise unprocessable("Question must exist", f"{post.pointer}/relationships/question")
        given = [name for name in ANSWER_VALUES if post.attributes.get(name) is not None]
        given += ["multiple_choice_answer"] if post.attributes.get("multiple_choice_answer") else []
        unknown = set(post.attributes) - set(ANSWER_VALUES) - {"multiple_choice_answer"}
        if unknown:
            name = sorted(unknown)[0]
            raise bad_request(
                f"{name} is not a writable attribute of answers",
                pointer=f"{post.pointer}/attributes/{name}",
            )
        if not given:
            raise unprocessable("Answer can't be blank", f"{post.pointer}/attributes")
    return posts


def create_answers(store: SandboxStore, owner: Record, posts: list[SidePost]) -> None:
    now = store.clock.now()
    for post in posts:
        question = store.get(*_linked(post, "question", "questions"))
        assert question is not None
        attributes: dict[str, Any] = {
            "title": question.attributes["title"],
            "question_type": question.attributes["question_type"],
            **{name: post.attributes.get(name) for name in ANSWER_VALUES},
            "multiple_choice_answer": list(post.attributes.get("multiple_choice_answer") or []),
            "document_answer": None,
            "additional_information": question.attributes["additional_information"],
            "created_at": now,
            "updated_at": now,
        }
        for name in ("date_answer", "date_from_answer", "date_to_answer"):
            attributes[name] = parse_date_value(
                attributes[name], f"{post.pointer}/attributes/{name}"
            )
        if attributes["number_answer"] is not None:
            attributes["number_answer"] = str(attributes["number_answer"])
        relationships: dict[str, RelationshipValue] = {
            "question": question.ref,
            "answerable": owner.ref,
        }
        store.add(Record("answers", store.next_id("answers"), attributes, relationships))


def check_custom_attributes(
    store: SandboxStore,
    document: WriteDocument,
    owner: Ref | None,
    resource_type: str,
    methods: frozenset[str],
) -> list[tuple[SidePost, Record | None, Record | None]]:
    """Validate side-posted custom attribute values: (post, field, existing value) triples."""
    if not document.has_relationship("custom_attributes"):
        return []
    checked: list[tuple[SidePost, Record | None, Record | None]] = []
    for post in document.side_posts("custom_attributes", methods):
        existing = None
        if post.method != "create":
            existing = store.get("custom_attributes", post.id or "")
            if existing is None or existing.to_one("custom_attributable") != owner:
                raise unprocessable(
                    f"Custom attribute {post.id} does not belong to this record",
                    f"{post.pointer}/id",
                )
        if post.method == "destroy":
            checked.append((post, None, existing))
            continue
        field_ref: Ref | None
        if post.method == "create":
            field_ref = _linked(post, "custom_field", "custom_fields")
        elif existing is not None:
            field_ref = existing.to_one("custom_field")
        else:
            # The lookup above raises for a missing record, so only a bug gets here.
            raise RuntimeError(
                f"stored custom attribute {post.id} not loaded for a {post.method!r} side post"
            )
        custom_field = store.get(*field_ref) if field_ref else None
        if custom_field is None:
            raise unprocessable(
                "Custom field must exist", f"{post.pointer}/relationships/custom_field"
            )
        if custom_field.attributes["resource_type"] != resource_type:
            raise unprocessable(
                f"Custom field {custom_field.id} is for {custom_field.attributes['resource_type']} "
                f"records, not {resource_type}",
                f"{post.pointer}/relationships/custom_field",
            )
        _custom_value(custom_field, post)
        checked.append((post, custom_field, existing))
    return checked


def apply_custom_attributes(
    store: SandboxStore, owner: Ref, checked: list[tuple[SidePost, Record | None, Record | None]]
) -> None:
    for post, custom_field, existing in checked:
        if post.method == "destroy":
            assert existing is not None
            store.delete("custom_attributes", existing.id)
            continue
        assert custom_field is not None
        value = _custom_value(custom_field, post)
        is_select = custom_field.attributes["field_type"] == "select"
        attributes = {
            "field_name": custom_field.attributes["name"],
            "value": value,
            "option_label": value if is_select else None,
            "option_value": value if is_select else None,
        }
        if existing is not None:
            store.update("custom_attributes", existing.id, attributes)
            continue
        now = store.clock.now()
        relationships: dict[str, RelationshipValue] = {
            "custom_field": custom_field.ref,
            "custom_attributable": owner,
        }
        record = Record(
            "custom_attributes",
            store.next_id("custom_attributes"),
            {**attributes, "created_at": now, "updated_at": now},
            relationships,
        )
        store.add(record)


def _custom_value(custom_field: Record, post: SidePost) -> Any:
    field_type = custom_field.attributes["field_type"]
    column = VALUE_COLUMNS.get(field_type, "varchar_value")
    pointer = f"{post.pointer}/attributes/{column}"
    if column not in post.attributes:
        raise unprocessable(f"A {field_type} custom field takes its value in {column}", pointer)
    value = post.attributes[column]
    if field_type == "number" and not isinstance(value, int | float):
        raise unprocessable("Number value must be a number", pointer)
    if field_type == "boolean" and not isinstance(value, bool):
        raise unprocessable("Boolean value must be true or false", pointer)
    if field_type == "date":
        parsed = parse_date_value(value, pointer)
        return parsed.isoformat() if parsed else None
    if field_type == "select" and value not in custom_field.attributes["options"]:
        options = ", ".join(custom_field.attributes["options"])
        raise unprocessable(
            f"{value!r} is not an option of this field; options: {options}", pointer
        )
    return value


def _linked(post: SidePost, name: str, type_name: str) -> Ref:
    value = post.relationships.get(name)
    linkage = value.get("data") if isinstance(value, dict) else None
    if (
        not isinstance(linkage, dict)
        or linkage.get("type") != type_name
        or not str(linkage.get("id", "")).isdigit()
    ):
        raise unprocessable(
            f"{name.replace('_', ' ').capitalize()} can't be blank",
            f"{post.pointer}/relationships/{name}",
        )
    return (type_name, str(linkage["id"]))
