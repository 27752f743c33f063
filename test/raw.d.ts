// Vite's `?raw` imports: a file's text, as the seed test reads the README.
declare module '*?raw' {
  const text: string;
  export default text;
}
