/*
 * refdata-blob.S: the reference data files, linked into the binary as
 * NUL-terminated byte strings, so every fieldlog (including the server's
 * pre-receive hook) carries the same list without looking for files.
 * refdata.c parses them; an installed copy in $FIELDLOG_REFDATA replaces them.
 */
	.section .rodata
	.global fl_blob_provinces
	.global fl_blob_communes
	.global fl_blob_domains
fl_blob_provinces:
	.incbin "schema/provinces.csv"
	.byte 0
fl_blob_communes:
	.incbin "schema/communes.csv"
	.byte 0
fl_blob_domains:
	.incbin "schema/domains.csv"
	.byte 0
	.section .note.GNU-stack,"",@progbits
