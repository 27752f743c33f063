// Fonts imported as Data modules (src/pdf/fonts.ts): their bytes, as the bundler hands them over.
declare module '*.ttf' {
  const bytes: ArrayBuffer;
  export default bytes;
}
declare module '*.woff' {
  const bytes: ArrayBuffer;
  export default bytes;
}
