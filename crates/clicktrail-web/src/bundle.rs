//! What the shipped bundle needs as a `no_std` cdylib (feature `bundle`, wasm32 only).
//!
//! With std linked, any panic path (an out-of-bounds check, a failed allocation) brings std's
//! panic hook and the whole `core::fmt` machinery into the binary, several kilobytes that a
//! storefront script cannot afford. The kit is written not to panic; should it anyway, this
//! handler traps, which the browser reports as a `RuntimeError` without any message formatting.
//! The allocator is a small free list instead of dlmalloc; the kit allocates a few short strings.

#[panic_handler]
fn trap(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());
