"""Issue 12 §3, visit photos (A13.2): checked by content (Pillow opens them), capped in size per kind
(settings.UPLOAD_MAX_BYTES), refused with a message naming the field — never dropped silently — and a refused
photo leaves the visit as it was (not recorded, no contact log); stored files are 0600 in 0700 directories."""

import datetime as dt
import io
import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from kam.core.errors import ApplicationError
from kam.engagement import services
from kam.engagement.models import ContactLog, Visit, VisitPhoto

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


def _png(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def visit(users):
    from tests.factories import KeyAccountFactory, VisitFactory

    customer = KeyAccountFactory(name="华美酒店", manager=users.am1)
    start = timezone.now() - dt.timedelta(hours=3)
    return VisitFactory(customer=customer, starts_at=start, ends_at=start + dt.timedelta(hours=1))


def _record(client, visit, photo):
    return client.post(f"/engagement/visits/{visit.pk}/record/", {
        "purchase_plans": "明年新开3家酒店", "usage_problems": "抽屉滑轨异响", "suggestions": "增加静音滑轨",
        "photo": photo})


@pytest.mark.parametrize("name,data,fragment", [
    ("现场.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (16 * 1024 * 1024), "超过 15 MB 上限"),  # a 16 MB photo
    ("现场.jpg", EXE, "不是有效的图片"),  # an .exe renamed
    ("setup.exe", EXE, "不是有效的图片"),
    ("现场.png", _png()[:60], "不是有效的图片"),  # truncated
], ids=["16MB", "exe-as-jpg", "exe", "truncated-png"])
def test_a_refused_photo_names_the_field_and_the_visit_is_not_recorded(users, client, visit, name, data, fragment):
    client.force_login(users.am1)
    response = _record(client, visit, SimpleUploadedFile(name, data))
    assert response.status_code == 400
    body = response.content.decode()
    assert "「照片」" in body and fragment in body
    assert "明年新开3家酒店" in body  # what was typed is kept
    visit.refresh_from_db()
    assert visit.status != "done" and visit.recorded_at is None
    assert not ContactLog.objects.filter(visit=visit).exists()
    assert not VisitPhoto.objects.exists()


def test_a_photo_is_recorded_with_the_visit(users, client, visit):
    client.force_login(users.am1)
    response = _record(client, visit, SimpleUploadedFile("现场.png", _png()))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "done"
    photo = VisitPhoto.objects.get(visit=visit)
    assert photo.image.name.startswith(f"visits/{visit.pk}/")


def test_the_size_cap_is_the_image_setting(users, client, visit, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "image": 1024}
    client.force_login(users.am1)
    response = _record(client, visit, SimpleUploadedFile("现场.png", _png((400, 400)) + b"\0" * 2048))
    assert response.status_code == 400 and "超过 1 KB 上限" in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status != "done"


def test_the_service_checks_the_content_not_the_name(users, visit):
    with pytest.raises(ApplicationError) as exc:
        services.visit_photo_add(actor=users.am1, visit=visit, upload=SimpleUploadedFile("photo.jpg", EXE))
    assert exc.value.field == "photo" and "「照片」" in str(exc.value.message)
    with pytest.raises(ApplicationError):
        services.visit_record(actor=users.am1, visit=visit, purchase_plans="a", usage_problems="b", suggestions="c",
                              photo=SimpleUploadedFile("photo.jpg", EXE))
    visit.refresh_from_db()
    assert visit.status != "done" and not VisitPhoto.objects.exists()
    photo = services.visit_photo_add(actor=users.am1, visit=visit, upload=SimpleUploadedFile("scan.bin", _png()))
    assert photo.pk  # a real image, whatever its name


def test_the_api_refuses_a_photo_that_is_not_an_image(users, client, visit):
    client.force_login(users.am1)
    url = f"/api/visits/{visit.pk}/photos"
    response = client.post(url, {"photo": SimpleUploadedFile("photo.jpg", EXE)})
    assert response.status_code == 400
    assert response.json()["field"] == "photo" and "「照片」不是有效的图片" in response.json()["message"]
    assert not VisitPhoto.objects.exists()
    assert client.post(url, {"photo": SimpleUploadedFile("photo.png", _png())}).status_code == 201


def test_stored_photos_are_private(users, visit, settings, tmp_path):
    """0600 files in 0700 directories (FILE_UPLOAD_PERMISSIONS, FILE_UPLOAD_DIRECTORY_PERMISSIONS)."""
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600 and settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    old = os.umask(0o022)
    try:
        photo = services.visit_photo_add(actor=users.am1, visit=visit, upload=SimpleUploadedFile("现场.png", _png()))
    finally:
        os.umask(old)
    path = photo.image.path
    assert path.startswith(str(tmp_path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "media" / "visits").st_mode) == 0o700


def test_model_fields_check_uploads_wherever_a_form_fills_them(users, visit):
    """Issue 12 §3: contract documents (a scan or a PDF) and visit photos are checked by their model field's
    validator too, so a ModelForm or the admin cannot store an .exe either."""
    from django.core.exceptions import ValidationError

    from kam.customers.models import Contract

    contract = Contract(customer=visit.customer, number="HT-1", start_on=dt.date(2026, 1, 1),
                        document=SimpleUploadedFile("合同.pdf", EXE))
    with pytest.raises(ValidationError) as exc:
        contract.full_clean()
    assert "「合同文件」不是有效的图片或 PDF 文件" in str(exc.value.message_dict["document"])
    contract.document = SimpleUploadedFile("合同.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    contract.full_clean()
    contract.document = SimpleUploadedFile("扫描件.png", _png())
    contract.full_clean()
    contract.document = SimpleUploadedFile("合同.pdf", b"%PDF-1.7\n" + b"\0" * (21 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        contract.full_clean()
    assert "超过 20 MB 上限" in str(exc.value.message_dict["document"])
    with pytest.raises(ValidationError) as exc:
        VisitPhoto(visit=visit, image=SimpleUploadedFile("现场.jpg", EXE)).full_clean()
    assert "「照片」" in str(exc.value.message_dict["image"])
