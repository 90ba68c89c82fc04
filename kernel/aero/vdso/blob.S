/* blob.S - the built vDSO image, embedded in the kernel. */
    .section .rodata
    .balign 4096
    .globl vdso_blob, vdso_blob_end
vdso_blob:
    .incbin VDSO_IMAGE
vdso_blob_end:
