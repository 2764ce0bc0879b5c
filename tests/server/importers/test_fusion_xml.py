"""FusionInventory/GLPI XML maps exactly like GLPI JSON: the XML's own date and field names are handled."""

from __future__ import annotations

from server.importers.inventory import read_inventory


def test_rpm_host_with_cyrillic_publisher(inventory_bytes, software_by_name):
    _, [report] = read_inventory(inventory_bytes("fusioninventory-redos.xml"))
    software = software_by_name(report)
    office = software["myoffice-standard-home-edition"]
    assert office["source"] == "rpm"
    assert office["publisher"] == "ООО «Новые облачные технологии»"
    assert office["install_date"] == "2026-03-14"  # XML writes DD/MM/YYYY
    assert office["id"] == "myoffice-standard-home-edition"
    assert software["code"]["publisher"] == "Microsoft Corporation"
    assert software["org.gimp.GIMP"]["source"] == "flatpak"

    host = report["host"]
    assert host["id"] == "glpi:uuid:4c4c4544-0051-4b10-8033-b7c04f4c4833"
    assert host["os"]["distro_id"] == "redos"
    assert host["os"]["name"] == "RED OS"
    assert host["fqdn"] == "dev-ws-03.corp.example.ru"
    assert report["collected_at"] == "2026-11-22T14:40:12Z"
    assert report["network"]["interfaces"] == [
        {"name": "eno1", "mac": "b0:7b:25:1c:9e:02", "addresses": ["10.1.8.44/24"]}
    ]
    assert report["hardware"]["serial"] == "7QK3LH3"


def test_xml_and_json_forms_of_one_inventory_give_the_same_report(inventory_bytes):
    _, [from_xml] = read_inventory(inventory_bytes("fusioninventory-redos.xml"))
    as_json = (
        b'{"deviceid": "dev-ws-03-2026-11-22-17-40-12", "content": {'
        b'"hardware": {"name": "dev-ws-03", "uuid": "4C4C4544-0051-4B10-8033-B7C04F4C4833"},'
        b'"operatingsystem": {"name": "RED OS", "kernel_name": "linux",'
        b'"timezone": {"name": "MSK", "offset": "+0300"}},'
        b'"accesslog": {"logdate": "2026-11-22 17:40:12"},'
        b'"softwares": [{"from": "rpm", "name": "code", "version": "1.95.3-1731513157.el8",'
        b'"arch": "x86_64", "publisher": "Microsoft Corporation", "install_date": "2025-11-02"}]}}'
    )
    _, [from_json] = read_inventory(as_json)
    code = next(s for s in from_xml["software"] if s["name"] == "code")
    assert from_json["software"] == [code]
    assert from_json["host"]["id"] == from_xml["host"]["id"]
    assert from_json["collected_at"] == from_xml["collected_at"]
