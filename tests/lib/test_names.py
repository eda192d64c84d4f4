"""Names from capitals-only registers read as people write them."""

from __future__ import annotations

import pytest

from quartieri.lib.names import name_as_written


@pytest.mark.parametrize(
    ("published", "written"),
    [
        ("ISOLA", "Isola"),
        ("BAGGIO - Q.RE DEGLI OLMI - Q.RE VALSESIA", "Baggio - Q.re degli Olmi - Q.re Valsesia"),
        ("CITTA' STUDI", "Città Studi"),
        ("MONLUE' - PONTE LAMBRO", "Monluè - Ponte Lambro"),
        ("NIGUARDA - CA' GRANDA", "Niguarda - Ca' Granda"),
        ("XXII MARZO", "XXII Marzo"),
        ("RONCHETTO SUL NAVIGLIO - Q.RE LODOVICO IL MORO",
         "Ronchetto sul Naviglio - Q.re Lodovico il Moro"),
        ("QT 8", "QT 8"),
        ("La Stecca di Isola", "La Stecca di Isola"),  # someone's own spelling stays
    ],
)  # fmt: skip
def test_capitals_become_the_name_people_write(published, written):
    assert name_as_written(published) == written
