/*
 * symbolize.c - program counters to module, function, file and line, for
 * the report.
 *
 * Runs in normal context only (it allocates, opens files, takes locks):
 * the handlers in stack.c and quarantine.c collect bare addresses, and the
 * reporter resolves them afterwards.
 *
 * Module and module offset come from dl_iterate_phdr: the object whose
 * PT_LOAD segment holds the pc, and pc minus its load bias, which is the
 * address that `addr2line -e MODULE` (or eu-addr2line) wants, for PIE and
 * shared objects as for fixed-address executables.  They are always
 * filled in, also with `full` false (symbolize=0), and need no debug info.
 *
 * Names, files and lines come from elfutils' libdwfl when the build has it
 * (HMAP_HAVE_LIBDW): it reads .symtab (so functions of the main program
 * are named without -rdynamic), separate debug files under /usr/lib/debug,
 * and the DWARF line table.  One Dwfl session is made on first use and
 * kept; when a pc falls in no module it knows (a library dlopened since),
 * the process's modules are reported again, once per lookup.  As with
 * eu-addr2line, debuginfod is consulted if the user set DEBUGINFOD_URLS.
 * Without libdw, function names come from dladdr (exported symbols) and
 * then libunwind (which reads .symtab too); there is no file:line.  Either
 * way a pc that lies in no known symbol (a static function of a stripped
 * object, the vdso) gets no name rather than the nearest exported one.
 *
 * Function names are the ELF symbol containing the pc, as the source
 * names it (copy_symbol_name).  Code inlined into a function is named
 * after that function by hmap__symbolize, while its file:line is that of
 * the inlined code; hmap__symbolize_inlined gives the inlined functions
 * frames of their own (DWARF's inlined-subroutine scopes, each with the
 * line it was called from).  For a return address (every frame but the
 * innermost), lookups use pc - 1, the call instruction: the return address
 * itself may already be the next line, or even the next function after a
 * call to a noreturn function.
 */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HMAP_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#else
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

static pthread_mutex_t symbolize_lock = PTHREAD_MUTEX_INITIALIZER;

/* Copies src into dst[size], truncating; NULL copies as "". */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= size)
        n = size - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Copies an ELF symbol's name into dst[size], as the source names the
 * function.  GCC names the parts and copies it makes of a function after
 * it: "f.cold" (the part it split off), "f.part.0", "f.isra.0" and
 * "f.constprop.0" (copies specialised for their callers), "f.lto_priv.0"
 * (a static function that link-time optimisation renamed).  The reader
 * knows f, which is what llvm-symbolizer prints from DWARF; the offset
 * stays the one from the symbol.  No C identifier and no mangled C++ name
 * holds a '.'. */
static void copy_symbol_name(char *dst, size_t size, const char *name)
{
    copy_str(dst, size, name);
    char *suffix = dst[0] != '\0' ? strchr(dst + 1, '.') : NULL;
    if (suffix != NULL)
        *suffix = '\0';
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* ---- module and module offset ------------------------------------------ */

/* The main program has an empty name in the link map: use the file it
 * was run from.  Called with symbolize_lock held. */
static const char *main_program_name(void)
{
    static char name[256];
    if (name[0] == '\0') {
        char path[1024];
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n > 0) {
            path[n] = '\0';
            copy_str(name, sizeof name, base_name(path));
        } else {
            copy_str(name, sizeof name, program_invocation_short_name);
        }
    }
    return name;
}

struct module_query {
    uintptr_t pc;
    struct hmap_frame *out;
};

static int find_module(struct dl_phdr_info *info, size_t size, void *data)
{
    struct module_query *q = data;
    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
        if (ph->p_type != PT_LOAD || q->pc - start >= (uintptr_t)ph->p_memsz)
            continue;
        /* The name is only valid during the callback: copy it now. */
        const char *name = info->dlpi_name;
        copy_str(q->out->module, sizeof q->out->module,
                 name != NULL && name[0] != '\0' ? base_name(name) : main_program_name());
        q->out->module_offset = q->pc - (uintptr_t)info->dlpi_addr;
        return 1;
    }
    return 0;
}

static void resolve_module(uintptr_t pc, struct hmap_frame *out)
{
    struct module_query q = { pc, out };
    dl_iterate_phdr(find_module, &q);
}

/* ---- function, file and line: libdw ---------------------------------- */

#ifdef HMAP_HAVE_LIBDW

static Dwfl *session; /* made on first use, kept; guarded by symbolize_lock */

/* Reports this process's modules (again): modules already known and
 * unchanged keep what was read of them. */
static bool report_modules(Dwfl *dwfl)
{
    dwfl_report_begin(dwfl);
    int err = dwfl_linux_proc_report(dwfl, getpid());
    return dwfl_report_end(dwfl, NULL, NULL) == 0 && err == 0;
}

static Dwfl *get_session(void)
{
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    if (session == NULL) {
        session = dwfl_begin(&callbacks);
        if (session != NULL && !report_modules(session)) {
            dwfl_end(session);
            session = NULL;
        }
    }
    return session;
}

static Dwfl_Module *module_of(Dwarf_Addr addr)
{
    Dwfl *dwfl = get_session();
    if (dwfl == NULL)
        return NULL;
    Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
    if (mod == NULL && report_modules(dwfl))
        mod = dwfl_addrmodule(dwfl, addr);
    return mod;
}

/* The line table row of addr.  dwfl_module_getsrc is not enough: it
 * finds the compilation unit through .debug_aranges, which clang does not
 * emit unless asked (-gdwarf-aranges), and takes each unit to extend up to
 * the next one, so an address in code without debug info (_start, a PLT
 * entry) gets the last line of the unit before it.  So the unit found that
 * way must really contain addr, else each unit's own ranges are tried. */
static Dwarf_Die *cu_of(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *bias)
{
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
    if (cu == NULL || dwarf_haspc(cu, addr - *bias) <= 0) {
        cu = NULL;
        while ((cu = dwfl_module_nextcu(mod, cu, bias)) != NULL)
            if (dwarf_haspc(cu, addr - *bias) > 0)
                break;
    }
    return cu;
}

static Dwarf_Line *line_of(Dwfl_Module *mod, Dwarf_Addr addr)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = cu_of(mod, addr, &bias);
    return cu != NULL ? dwarf_getsrc_die(cu, addr - bias) : NULL;
}

/* The scopes of cu that hold addr (a CU-relative address), innermost
 * first, as dwarf_getscopes gives them: in a unit of GCC's link-time
 * optimisation (named "<artificial>") elfutils 0.188's dwarf_getscopes
 * finds none, so the unit's tree is walked down instead, through the
 * functions, inlined subroutines and blocks whose ranges hold addr.
 * Returns the number of scopes in *scopes (malloc'd), or 0. */
static int scopes_at(Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die **scopes)
{
    int n = dwarf_getscopes(cu, addr, scopes);
    if (n > 0)
        return n;
    enum { MAX_DEPTH = 64 };
    Dwarf_Die path[MAX_DEPTH], parent = *cu, die;
    int depth = 0;
    while (depth < MAX_DEPTH && dwarf_child(&parent, &die) == 0) {
        bool found = false;
        do {
            int tag = dwarf_tag(&die);
            if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
                 tag == DW_TAG_lexical_block) && dwarf_haspc(&die, addr) > 0) {
                found = true;
                break;
            }
        } while (dwarf_siblingof(&die, &die) == 0);
        if (!found)
            break;
        path[depth++] = die;
        parent = die;
    }
    if (depth == 0 || (*scopes = malloc((size_t)depth * sizeof **scopes)) == NULL)
        return 0;
    for (int i = 0; i < depth; i++)
        (*scopes)[i] = path[depth - 1 - i];
    return depth;
}

/* The inlined subroutines whose code is at addr, innermost first: for
 * each, its name and the file and line it was called from.  The first
 * frame's file:line (the innermost line) is already in out[0]; each
 * further frame gets the call site of the one before.  Returns the number
 * of frames filled, the last of them out[0]'s function (the symbol). */
static int inline_frames(Dwfl_Module *mod, Dwarf_Addr addr, struct hmap_frame *out, int max)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = cu_of(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int nscopes = cu != NULL ? scopes_at(cu, addr - bias, &scopes) : 0;
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (nscopes <= 0 || dwarf_getsrcfiles(cu, &files, &nfiles) != 0) {
        free(scopes);
        return 1;
    }
    struct hmap_frame symbol = out[0]; /* the function whose symbol holds addr */
    int n = 0;
    for (int i = 0; i < nscopes && n + 1 < max; i++) {
        if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
            continue;
        Dwarf_Attribute attr;
        const char *name = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &attr));
        /* out[n] holds the line of the code at this level: it is the
         * inlined function's */
        struct hmap_frame *f = &out[n];
        copy_str(f->function, sizeof f->function, name ? name : "");
        f->offset = 0;
        f->inlined = true;
        /* the frame after this one is at this subroutine's call site */
        Dwarf_Word call_file = 0, call_line = 0;
        struct hmap_frame *next = &out[n + 1];
        *next = symbol;
        next->inlined = false;
        next->file[0] = '\0';
        next->line = 0;
        if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &call_file) == 0 &&
            dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &call_line) == 0 &&
            call_file < nfiles) {
            copy_str(next->file, sizeof next->file, dwarf_filesrc(files, call_file, NULL, NULL));
            next->line = (int)call_line;
        }
        n++;
    }
    free(scopes);
    return n + 1;
}

/* addr is pc, or pc - 1 for a return address. */
static void resolve_names(uintptr_t pc, uintptr_t addr, struct hmap_frame *out)
{
    Dwfl_Module *mod = module_of(addr);
    if (mod == NULL)
        return;

    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
    if (name != NULL && name[0] != '\0') {
        copy_symbol_name(out->function, sizeof out->function, name);
        /* Symbols from a separate debug file may carry their version
         * ("__libc_start_main@@GLIBC_2.34"): the name is enough. */
        out->function[strcspn(out->function, "@")] = '\0';
        out->offset = (uintptr_t)off + (pc - addr);
    }

    Dwarf_Line *line = line_of(mod, addr);
    int lineno = 0;
    const char *file = line != NULL ? dwarf_linesrc(line, NULL, NULL) : NULL;
    if (file != NULL && dwarf_lineno(line, &lineno) == 0 && lineno > 0) {
        copy_str(out->file, sizeof out->file, file);
        out->line = lineno;
    }
}

#else /* !HMAP_HAVE_LIBDW */

/* libunwind 1.6 has no unw_get_proc_name_by_ip, but the accessor behind
 * it is public: for the local address space it looks the ip up in the
 * .symtab (or .dynsym) of the file mapped there. */
static bool name_from_libunwind(uintptr_t addr, struct hmap_frame *out, unw_word_t *off)
{
    unw_accessors_t *acc = unw_get_accessors(unw_local_addr_space);
    char name[sizeof out->function];
    if (acc == NULL || acc->get_proc_name == NULL
        || acc->get_proc_name(unw_local_addr_space, (unw_word_t)addr, name, sizeof name, off, NULL) != 0
        || name[0] == '\0')
        return false;
    copy_symbol_name(out->function, sizeof out->function, name);
    return true;
}

static bool name_from_dladdr(uintptr_t addr, struct hmap_frame *out, uintptr_t *off)
{
    Dl_info info;
    if (dladdr((void *)addr, &info) == 0 || info.dli_sname == NULL || info.dli_saddr == NULL)
        return false;
    copy_symbol_name(out->function, sizeof out->function, info.dli_sname);
    *off = addr - (uintptr_t)info.dli_saddr;
    return true;
}

/* libunwind takes the nearest symbol below the address whatever its
 * size, so in an object without .symtab (libc) the pc of an internal
 * function gets the name of the exported one before it.  dladdr knows the
 * extent of exported symbols: if libunwind's answer is one of them, the
 * address (which dladdr found in no symbol) lies past its end. */
static bool is_exported_symbol_start(uintptr_t start, const char *name)
{
    Dl_info info;
    return dladdr((void *)start, &info) != 0 && info.dli_sname != NULL
           && (uintptr_t)info.dli_saddr == start && strcmp(info.dli_sname, name) == 0;
}

/* dladdr first: it answers only when the address lies inside an exported
 * symbol.  Then libunwind, which also knows static functions (.symtab). */
static void resolve_names(uintptr_t pc, uintptr_t addr, struct hmap_frame *out)
{
    unw_word_t unw_off = 0;
    uintptr_t dl_off = 0;
    if (name_from_dladdr(addr, out, &dl_off)) {
        out->offset = dl_off + (pc - addr);
    } else if (name_from_libunwind(addr, out, &unw_off)) {
        if (is_exported_symbol_start(addr - (uintptr_t)unw_off, out->function))
            out->function[0] = '\0';
        else
            out->offset = (uintptr_t)unw_off + (pc - addr);
    }
}

#endif /* HMAP_HAVE_LIBDW */

void hmap__symbolize(uintptr_t pc, bool is_return_address, bool full, struct hmap_frame *out)
{
    memset(out, 0, sizeof *out);
    out->pc = pc;
    if (pc == 0)
        return;
    int saved_errno = errno;
    pthread_mutex_lock(&symbolize_lock);

    resolve_module(pc, out);
    if (full)
        resolve_names(pc, is_return_address ? pc - 1 : pc, out);

    pthread_mutex_unlock(&symbolize_lock);
    errno = saved_errno;
}

int hmap__symbolize_inlined(uintptr_t pc, bool is_return_address, bool full,
                            struct hmap_frame *out, int max)
{
    hmap__symbolize(pc, is_return_address, full, out);
#ifdef HMAP_HAVE_LIBDW
    if (!full || pc == 0 || max < 2)
        return 1;
    int saved_errno = errno;
    pthread_mutex_lock(&symbolize_lock);
    uintptr_t addr = is_return_address ? pc - 1 : pc;
    Dwfl_Module *mod = module_of(addr);
    int n = mod != NULL ? inline_frames(mod, addr, out, max) : 1;
    pthread_mutex_unlock(&symbolize_lock);
    errno = saved_errno;
    return n;
#else
    (void)is_return_address;
    (void)max;
    return 1;
#endif
}
