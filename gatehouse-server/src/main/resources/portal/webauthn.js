// Gatehouse portal: the WebAuthn ceremonies (security keys, passkeys). Served as a same-origin file
// because the portal's CSP forbids inline script; the pages that load it allow script-src 'self'.
// Progressive enhancement: the forms it drives stay hidden without JavaScript or WebAuthn, and
// the sign-in page keeps its code form (TOTP or recovery code) for everyone.
// The browser's answer goes back through an ordinary form post that carries the CSRF token.
(function () {
  'use strict';

  function fromB64u(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || '').split(' ').filter(Boolean).map(function (id) {
      return { type: 'public-key', id: fromB64u(id) };
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) return;

  var sections = document.querySelectorAll('[data-webauthn-section]');
  for (var i = 0; i < sections.length; i++) sections[i].hidden = false;
  var fallbacks = document.querySelectorAll('[data-webauthn-fallback]');
  for (var j = 0; j < fallbacks.length; j++) fallbacks[j].hidden = true;

  var forms = document.querySelectorAll('form[data-webauthn]');
  Array.prototype.forEach.call(forms, function (form) {
    var status = form.querySelector('[data-webauthn-status]');
    var d = form.dataset;

    function set(name, value) {
      form.elements[name].value = value || '';
    }

    function say(text) {
      if (status) status.textContent = text;
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var ceremony;
      if (d.webauthn === 'create') {
        if (form.elements.label && !form.elements.label.value.trim()) {
          say('Give the key a name first.');
          form.elements.label.focus();
          return;
        }
        say('Touch your security key, or follow your browser\u2019s prompt.');
        ceremony = navigator.credentials.create({ publicKey: {
          rp: { id: d.rpId, name: 'Gatehouse' },
          user: { id: fromB64u(d.userId), name: d.userName, displayName: d.userName },
          challenge: fromB64u(d.challenge),
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -8 }, { type: 'public-key', alg: -257 }],
          timeout: Number(d.timeout),
          excludeCredentials: descriptors(d.credentials),
          authenticatorSelection: { userVerification: 'preferred', residentKey: 'discouraged' },
          attestation: 'none'
        } }).then(function (c) {
          set('credential_id', toB64u(c.rawId));
          set('client_data', toB64u(c.response.clientDataJSON));
          set('attestation_object', toB64u(c.response.attestationObject));
          set('transports', c.response.getTransports ? c.response.getTransports().join(' ') : '');
        });
      } else {
        say('Touch your security key, or follow your browser\u2019s prompt.');
        ceremony = navigator.credentials.get({ publicKey: {
          rpId: d.rpId,
          challenge: fromB64u(d.challenge),
          timeout: Number(d.timeout),
          allowCredentials: descriptors(d.credentials),
          userVerification: 'preferred'
        } }).then(function (c) {
          set('credential_id', toB64u(c.rawId));
          set('client_data', toB64u(c.response.clientDataJSON));
          set('authenticator_data', toB64u(c.response.authenticatorData));
          set('signature', toB64u(c.response.signature));
          set('user_handle', c.response.userHandle ? toB64u(c.response.userHandle) : '');
        });
      }
      ceremony.then(function () {
        say('Checking\u2026');
        form.submit();
      }, function () {
        say('The security key did not answer, or the request was cancelled. Try again'
          + (d.webauthn === 'get' ? ', or enter a code below.' : '.'));
      });
    });
  });
})();
