describe('toolchain', () => {
  it('runs TypeScript tests with a database URL prepared', () => {
    expect(process.env.CALBRIDGE_TEST_ADMIN_URL).toMatch(/^postgres/);
  });
});
