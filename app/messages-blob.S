/*
 * messages-blob.S: app/vi.po linked into the binary as a NUL-terminated
 * string, so translations need no installed files (see app/i18n.c).
 */
	.section .rodata
	.global fl_blob_vi_po
fl_blob_vi_po:
	.incbin "app/vi.po"
	.byte 0
	.section .note.GNU-stack,"",@progbits
