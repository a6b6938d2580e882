/// The Ctrl-C confirmation: nothing happens until the participant answers y or n.
public enum QuitDialog {
    /// The question asked.
    public static let message = "Quit? Your progress is saved and you can resume."

    /// Draw the dialog centred in a `size` frame.
    public static func render(size: Size, into canvas: inout Canvas) {
        let w = min(size.cols - 2, max(DisplayWidth.of(message) + 6, 40))
        let r = Rect(col: (size.cols - w) / 2, row: max(0, (size.rows - 6) / 2), width: w, height: 6)
        canvas.fill(r)
        canvas.box(r, title: "Quit", focused: true)
        let inner = r.inner
        canvas.text(TextLayout.truncate(message, width: inner.width - 2), col: inner.col + 1, row: inner.row + 1,
                    style: Style(.normal, bold: true))
        canvas.segments([("y", Style(.title, bold: true)), (" quit    ", .plain),
                         ("n", Style(.title, bold: true)), (" keep going", .plain)],
                        col: inner.col + 1, row: inner.row + 2, maxWidth: inner.width - 2)
    }
}
