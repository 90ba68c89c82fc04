/* console.c - the kernel log: a small printf on the first serial port. */
#include "kern.h"
#include "x86.h"

void con_init(void)
{
    outb(MV_LOG_PORT + 1, 0x00);    /* no interrupts */
    outb(MV_LOG_PORT + 3, 0x03);    /* 8N1 */
}

static void con_putc(char c)
{
    if (c == '\n')
        outb(MV_LOG_PORT, '\r');
    outb(MV_LOG_PORT, (uint8_t)c);
}

/* Output sink: a bounded buffer, or the serial port when buf is NULL. */
struct sink {
    char *buf;
    size_t cap, len;
};

static void put(struct sink *s, char c)
{
    if (!s->buf)
        con_putc(c);
    else if (s->len + 1 < s->cap)
        s->buf[s->len] = c;
    s->len++;
}

static void put_num(struct sink *s, uint64_t v, unsigned base, bool upper, bool neg,
                    int width, char padc)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    for (int i = n; i < width; i++)
        put(s, padc);
    while (n)
        put(s, tmp[--n]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(s, *fmt);
            continue;
        }
        fmt++;
        char padc = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0')
            padc = '0', fmt++;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z')
            lng++, fmt++;
        switch (*fmt) {
        case 'd': case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, false, v < 0, width, padc);
            break;
        }
        case 'u': case 'x': case 'X': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_num(s, v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, padc);
            break;
        }
        case 'p':
            put(s, '0');
            put(s, 'x');
            put_num(s, (uint64_t)va_arg(ap, void *), 16, false, false, width, padc);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int n = (int)strlen(str);
            for (int i = n; i < width; i++)
                put(s, ' ');
            while (*str)
                put(s, *str++);
            break;
        }
        case 'c':
            put(s, (char)va_arg(ap, int));
            break;
        case '\0':
            return;
        default:
            put(s, *fmt);
        }
    }
}

void kvprintf(const char *fmt, va_list ap)
{
    struct sink s = { 0 };
    format(&s, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct sink s = { buf, n, 0 };
    format(&s, fmt, ap);
    if (n)
        buf[s.len < n ? s.len : n - 1] = '\0';
    return (int)s.len;
}

int ksnprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
