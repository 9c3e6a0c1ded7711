"""Why convolution at a projector's 300 %: the table refits its rows to the bigger font and keeps every column whole
(the page scrolls instead)."""

from __future__ import annotations


def test_the_table_keeps_its_rows_and_columns_whole_at_300_percent(qtbot, main_window):
    main_window.resize(1366, 768)
    main_window.scale.set_factor(3.0)
    try:
        demo = main_window.show_demo("why-convolution", list_shown=False)
        qtbot.wait(1)
        table, header = demo.table, demo.table.horizontalHeader()
        rows = header.height() + sum(table.rowHeight(r) for r in range(table.rowCount()))
        assert table.height() >= rows
        for c in range(table.columnCount()):
            assert header.sectionSize(c) >= header.sectionSizeFromContents(c).width() - 1, c
        assert header.length() <= table.viewport().width() + 1
    finally:
        main_window.scale.set_factor(1.0)
