// The browser comes from the system (CHROME_PATH, /usr/bin/chromium, google-chrome): never download one.
module.exports = { skipDownload: true };
