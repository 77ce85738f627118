#!/usr/bin/env python3
"""csv2xlsx.py IN.csv OUT.xlsx: the rows of a CSV file as the first sheet of a
workbook laid out as Excel saves one (shared strings, numbers as numbers), for
bench/import --xlsx. Only the parts a reader needs; no styles beyond the default."""
import csv
import sys
import zipfile

NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def col(i):
    name = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def main(src, dst):
    strings, index, rows = [], {}, []
    with open(src, newline='', encoding='utf-8-sig') as f:
        for r, row in enumerate(csv.reader(f), 1):
            cells = []
            for c, v in enumerate(row):
                ref = f'{col(c)}{r}'
                if v == '':
                    continue
                if v.lstrip('-').replace('.', '', 1).isdigit() and not v.startswith('0'):
                    cells.append(f'<c r="{ref}"><v>{v}</v></c>')
                else:
                    if v not in index:
                        index[v] = len(strings)
                        strings.append(v)
                    cells.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
            rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    parts = {
        '[Content_Types].xml': HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        '_rels/.rels': HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        'xl/workbook.xml': HEAD + f'<workbook xmlns="{NS}" xmlns:r="{R}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        'xl/_rels/workbook.xml.rels': HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{R}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        'xl/sharedStrings.xml': HEAD + f'<sst xmlns="{NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + ''.join(f'<si><t>{esc(s)}</t></si>' for s in strings) + '</sst>',
        'xl/worksheets/sheet1.xml': HEAD + f'<worksheet xmlns="{NS}"><sheetData>' + ''.join(rows) + '</sheetData></worksheet>',
    }
    with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
